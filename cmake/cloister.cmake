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
  # Debug info is stripped and unused sections dropped: the platform copies,
  # hashes and executes every byte of the image at each launch.
  target_link_options(${name} PRIVATE -static -Wl,--no-warn-search-mismatch -Wl,--gc-sections -Wl,--strip-debug
    -Wl,--no-warnings)  # glibc warns that libcrypto references getaddrinfo/dlopen; enclaves never reach them
endfunction()

# A development signing key per build tree, made by `cloister enclave keygen`.
# Production enclaves are signed with a key kept offline, never in a build tree.
function(cloister_signing_key name)
  set(key ${CMAKE_BINARY_DIR}/keys/${name}.pem)
  add_custom_command(
    OUTPUT ${key}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/keys
    COMMAND cloister enclave keygen --out ${key} --force
    COMMENT "Generating development signing key ${name}")
  add_custom_target(${name}_key DEPENDS ${key})
  # Order only: a rebuilt CLI must not make a new key, or every enclave's
  # signer id (and what it sealed) would change with each rebuild.
  add_dependencies(${name}_key cloister)
endfunction()

# cloister_add_enclave(NAME SOURCES ... CONFIG file.json [KEY keyname] [LIBS ...]):
# builds the static ELF NAME and signs it into NAME.signed beside it.
function(cloister_add_enclave name)
  cmake_parse_arguments(ARG "" "CONFIG;KEY" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_KEY)
    set(ARG_KEY dev-signer)
  endif()
  cloister_enclave(${name} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS})
  set(key ${CMAKE_BINARY_DIR}/keys/${ARG_KEY}.pem)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${name}.signed)
  add_custom_command(
    OUTPUT ${output}
    COMMAND cloister enclave sign --image $<TARGET_FILE:${name}> --config ${ARG_CONFIG} --key ${key} --out ${output} --quiet
    DEPENDS ${name} cloister ${ARG_CONFIG} ${key} ${ARG_KEY}_key
    COMMENT "Signing enclave ${name}")
  add_custom_target(${name}_signed ALL DEPENDS ${output})
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

# cloister_web_assets(TARGET FUNCTION DIR FILE...): compiles the console's
# static files (text: HTML, JS, CSS, SVG) into TARGET as
#   std::span<const cloister::web::StaticFile> FUNCTION();
# served at "/FILE". Nothing is downloaded or read from disk at run time.
function(cloister_web_assets target function dir)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp)
  set(inputs)
  foreach(file ${ARGN})
    list(APPEND inputs ${dir}/${file})
  endforeach()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DFUNCTION=${function} -DDIR=${dir} "-DFILES=${ARGN}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
    COMMENT "Embedding web assets ${function}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
