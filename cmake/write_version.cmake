# Writes the version source of govchain (node/core/version.h) at build time:
# the project version from CMake, and `git describe` of the checkout when
# there is one (a source tree without .git gets the project version alone).
# The file is rewritten only when its text changes, so an unchanged version
# recompiles and relinks nothing.
#
# Inputs (-D): SOURCE_DIR, OUTPUT, PROJECT_VERSION, TEMPLATE.
set(describe "")
find_program(GIT_PROGRAM git)
if(GIT_PROGRAM AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_PROGRAM}" describe --tags --always --dirty --abbrev=10
    WORKING_DIRECTORY "${SOURCE_DIR}"
    OUTPUT_VARIABLE describe
    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
# "v0.1.0-5-gabc1234567-dirty" or "abc1234567" (no tag yet) become build
# metadata after the project version: "0.1.0+g<describe>", as semantic
# versioning writes it ('.' instead of characters it does not allow).
set(GOVCHAIN_VERSION "${PROJECT_VERSION}")
set(GOVCHAIN_GIT_DESCRIBE "${describe}")
if(describe)
  string(REGEX REPLACE "[^0-9A-Za-z.-]" "." metadata "${describe}")
  string(REGEX REPLACE "^v?${PROJECT_VERSION}-?" "" metadata "${metadata}")
  if(metadata)
    if(NOT metadata MATCHES "^[0-9]+-g")
      set(metadata "g${metadata}")
    endif()
    string(REPLACE "-" "." metadata "${metadata}")
    set(GOVCHAIN_VERSION "${PROJECT_VERSION}+${metadata}")
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}.new" @ONLY)
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
