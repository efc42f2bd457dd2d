# Checks that docs/new-use-case.md shows contracts/parking/parking.cpp as it
# is (from its #include on), so that the tutorial cannot drift from the code.
# Usage: cmake -DSOURCE_DIR=<repository root> -P check_tutorial.cmake
file(READ ${SOURCE_DIR}/docs/new-use-case.md tutorial)
file(READ ${SOURCE_DIR}/contracts/parking/parking.cpp contract)
string(FIND "${contract}" "#include \"govchain/govchain.h\"" start)
if(start EQUAL -1)
  message(FATAL_ERROR "parking.cpp does not include govchain/govchain.h")
endif()
string(SUBSTRING "${contract}" ${start} -1 code)
string(FIND "${tutorial}" "```cpp\n${code}```" found)
if(found EQUAL -1)
  message(FATAL_ERROR "docs/new-use-case.md section 2 differs from contracts/parking/parking.cpp: copy the file into it")
endif()
