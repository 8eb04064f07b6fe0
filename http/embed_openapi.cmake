# cmake -DINPUT=openapi.json -DOUTPUT=openapi_document.cpp -P embed_openapi.cmake
# Writes a C++ source defining the document's bytes (no size limit of string literals).
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUTPUT}.tmp
  "// Generated from http/openapi.json by http/embed_openapi.cmake. Do not edit.\n"
  "#include <cstddef>\n"
  "namespace mercato::http::detail {\n"
  "extern const unsigned char openapi_bytes[];\n"
  "extern const std::size_t openapi_size;\n"
  "const unsigned char openapi_bytes[] = {${bytes} 0};\n"
  "const std::size_t openapi_size = ${size};\n"
  "}  // namespace mercato::http::detail\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
