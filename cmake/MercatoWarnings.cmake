# mercato_target_warnings(<target>): strict warnings for Mercato's own code only.
# Third-party headers are included as SYSTEM so their warnings never fail our build.
function(mercato_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wdouble-promotion -Wformat=2
    -Wimplicit-fallthrough)
  if(MERCATO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
