// The govchain contract SDK: include this one header in a contract.
// See docs/contracts.md for the host API, the ABI format and a guide.
#pragma once

#include "govchain/base.h"
#include "govchain/certificate.h"
#include "govchain/codec.h"
#include "govchain/contract.h"
#include "govchain/host.h"
#include "govchain/storage.h"
#include "govchain/verify.h"
