# cloister_unit_test(NAME SOURCES... LIBS ...): a GoogleTest binary beside its
# module, every case registered with CTest under the label "unit".
function(cloister_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main Threads::Threads)
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# cloister_enclave(NAME SOURCES... LIBS ...): a statically linked enclave ELF
# built against the enclave runtime. Signing happens in a later step.
function(cloister_enclave name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} cloister_enclave_runtime)
  target_link_options(${name} PRIVATE -static -Wl,--no-warn-search-mismatch)
  # A static glibc warns about getaddrinfo/dlopen in libcrypto; enclaves never reach them.
endfunction()

# cloister_sign_enclave(TARGET CONFIG KEY OUTPUT): signs an enclave ELF with a
# key and a config file into OUTPUT, at build time, with the cloister CLI.
function(cloister_sign_enclave target config key output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND cloister enclave sign --image $<TARGET_FILE:${target}> --config ${config} --key ${key} --out ${output} --quiet
    DEPENDS ${target} cloister ${config} ${key}
    COMMENT "Signing enclave ${target}")
  add_custom_target(${target}_signed ALL DEPENDS ${output})
endfunction()

# cloister_fuzz_target(NAME SOURCES... LIBS ...): a libFuzzer binary, and a
# CTest test labelled "fuzz" that runs it for CLOISTER_FUZZ_SECONDS starting
# from the seeds checked in under corpus/NAME beside the calling CMakeLists.
# The test fails if the fuzzer finds a crash, sanitizer error, leak, timeout
# (-timeout) or memory blow-up (-rss_limit_mb). Needs clang.
set(CLOISTER_FUZZ_SECONDS 20 CACHE STRING "How long each fuzz target runs under ctest, in seconds")
set(CLOISTER_FUZZ_RUNNER ${CMAKE_CURRENT_LIST_DIR}/run_fuzz.cmake)
function(cloister_fuzz_target name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "cloister_fuzz_target(${name}): libFuzzer needs clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
  if(NOT IS_DIRECTORY ${seeds})
    message(FATAL_ERROR "cloister_fuzz_target(${name}): check in a few valid seed inputs under ${seeds}/")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  # Fuzzing is throughput-bound: -O1 runs ~4x more inputs than the Debug -O0
  # and still keeps ASan/UBSan reports readable.
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer -O1)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${name}> -DSEEDS=${seeds}
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/${name}.fuzz -DSECONDS=${CLOISTER_FUZZ_SECONDS}
                   -P ${CLOISTER_FUZZ_RUNNER})
  # Room for start-up and for libFuzzer to finish writing a reproducer.
  math(EXPR timeout "${CLOISTER_FUZZ_SECONDS} + 120")
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT ${timeout})
endfunction()
