# Checks that contracts/parking/ is exactly what `govchain contract new
# parking --type parking_exemption --description ...` makes from the SDK's
# template (sdk/contract/template), so that the tutorial's contract, the
# repository's parking contract and the kit's template cannot drift apart.
# Usage: cmake -DSOURCE_DIR=<repository root> -P check_template.cmake
set(description "Parking exemption permit (Parkausnahmegenehmigung) for one zone and a time window")
foreach(pair "contract.cpp.in;parking.cpp" "contract_test.cpp.in;parking_test.cpp")
  list(GET pair 0 template_file)
  list(GET pair 1 contract_file)
  file(READ ${SOURCE_DIR}/sdk/contract/template/${template_file} text)
  string(REPLACE "@NAME@" "parking" text "${text}")
  string(REPLACE "@TYPE@" "parking_exemption" text "${text}")
  string(REPLACE "@DESCRIPTION@" "${description}" text "${text}")
  file(READ ${SOURCE_DIR}/contracts/parking/${contract_file} actual)
  if(NOT text STREQUAL actual)
    message(FATAL_ERROR "contracts/parking/${contract_file} differs from sdk/contract/template/${template_file} "
                        "made for parking: change both together")
  endif()
endforeach()
