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
