// The check of a call's argument bytes against the ABI, before any contract
// code runs: the bytes must be exactly one encoding of the method's argument
// types, in order, with nothing after the last one, and every code, zone,
// name, date and label text must fit its rule (abi.h, text_rule()).
//
// The node runs it on every call of a contract whose stored ABI names the
// method (execution/abi_check.h), so that free text never reaches a
// contract where a code belongs; what it accepts is a rule of the chain.
// Refusals are Code::invalid_argument, name the argument and its type, and
// never repeat the refused value (it may be personal data):
//   "argument 'reason' (code) must be a code: 1..32 of [a-z0-9_], no free text"
//   "argument 'id' (hash) does not decode: ..."
//   "3 bytes after the last argument"
// Pure and thread-safe; the work is linear in the size of `arguments`.
#pragma once

#include "abi/abi.h"
#include "core/bytes.h"

namespace govchain::abi {

// Precondition: `method` belongs to `abi`, which parse_abi() produced.
Status check_argument_bytes(const Abi& abi, const Method& method, ByteView arguments);

}  // namespace govchain::abi
