# mercato_http_core: the HTTP building blocks that need no HTTP library (problem details,
# validation, JWT, rate limits, CORS, metrics, webhook signatures, the OpenAPI document).
# Pure and fuzzable: Pistache stays in mercato_http (server, routes).

# The OpenAPI document is compiled in: openapi.json -> a generated source with its bytes.
set(MERCATO_OPENAPI_JSON ${CMAKE_CURRENT_SOURCE_DIR}/openapi.json)
set(MERCATO_OPENAPI_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/openapi_document.cpp)
add_custom_command(
  OUTPUT ${MERCATO_OPENAPI_CPP}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${MERCATO_OPENAPI_JSON} -DOUTPUT=${MERCATO_OPENAPI_CPP}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/embed_openapi.cmake
  DEPENDS ${MERCATO_OPENAPI_JSON} ${CMAKE_CURRENT_SOURCE_DIR}/embed_openapi.cmake
  COMMENT "Embedding http/openapi.json"
  VERBATIM)

add_library(mercato_http_core STATIC
  src/problem.cpp
  src/text.cpp
  src/validate.cpp
  src/jwt.cpp
  src/rate_limit.cpp
  src/cors.cpp
  src/metrics.cpp
  src/process_metrics.cpp
  src/webhook_sig.cpp
  src/credential_cache.cpp
  src/openapi.cpp
  ${MERCATO_OPENAPI_CPP})
target_include_directories(mercato_http_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(mercato_http_core PUBLIC mercato_common mercato_config
  PRIVATE nlohmann_json::nlohmann_json PkgConfig::LIBJWT PkgConfig::SODIUM prometheus-cpp::core Threads::Threads)
mercato_target_warnings(mercato_http_core)
