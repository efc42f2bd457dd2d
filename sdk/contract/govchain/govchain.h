// The govchain contract SDK: include this one header in a contract.
// See docs/contracts.md for the host API, the ABI format and a guide, and
// docs/new-use-case.md for a contract of your own with `govchain contract new`.
#pragma once

#include "govchain/abi.h"
#include "govchain/base.h"
#include "govchain/certificate.h"
#include "govchain/codec.h"
#include "govchain/codes.h"
#include "govchain/contract.h"
#include "govchain/host.h"
#include "govchain/storage.h"
#include "govchain/verify.h"
