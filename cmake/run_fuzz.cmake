# Runs one libFuzzer binary for a bounded time; used by cloister_fuzz_target.
#   cmake -DFUZZER=<exe> -DSEEDS=<dir> -DWORK=<dir> -DSECONDS=<n> -P run_fuzz.cmake
# The fuzzer adds the inputs it finds to its first corpus directory, so it gets
# a scratch copy under the build dir: the checked-in seeds never change, and
# what it learns carries over to the next run in the same build.
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)

execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
          -artifact_prefix=${WORK}/artifacts/ -print_final_stats=1 ${WORK}/corpus
  RESULT_VARIABLE rc)
# libFuzzer exits non-zero on a crash, sanitizer report, leak, timeout or OOM.
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the reproducer is in ${WORK}/artifacts/")
endif()
