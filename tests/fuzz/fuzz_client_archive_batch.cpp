// Decodes arbitrary bytes as an archive batch file (docs/archive.md section
// 5) and reads it as a verifier and the commands do: opening (prefix,
// header, layout, the renewed batches), finding documents through the
// index and by scanning, extracting proofs and checking them, and the full
// check. Whatever the full check accepts must re-encode to exactly the input
// (one encoding per batch); the same bytes are parsed as a names file too.
// Nothing may crash, hang or throw, whatever the bytes. Seeds in
// tests/fuzz/corpus/fuzz_client_archive_batch: a batch of one document, five
// with a proof bundle, six with duplicates under SHA3-256, a renewal of three
// with permuted leaves, a names file of three.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "client/archive.h"
#include "client/archive_batch.h"
#include "round_trip.h"

using namespace govchain;
namespace archive = govchain::client::archive;

namespace {

// The proof of `leaf` checked against the document hashes it names itself,
// which must pass exactly when the file is sound along its path.
void read_leaf(const archive::BatchFile& file, uint64_t leaf) {
  auto proof = file.proof(leaf);
  if (!proof.ok()) return;
  archive::DocumentDigests digests;
  for (const archive::Proof* step = &*proof; step != nullptr; step = step->previous.get())
    digests[step->algorithm] = step->document_hash;
  (void)archive::check_proof_offline(*proof, digests);
  (void)file.find(proof->document_hash, 4);
  (void)file.scan(proof->document_hash);
}

// The same bytes as the text of a names file of a batch of three: what
// parses must be the one text of its names.
void parse_names(const uint8_t* data, size_t size) {
  archive::BatchHeader header;
  header.document_count = 3;
  auto names = archive::parse_names_file(std::string_view(reinterpret_cast<const char*>(data), size), header);
  if (!names.ok()) return;
  auto text = archive::names_file_text(header.batch_id, header.document_count, *names);
  if (!text.ok() || *text != std::string_view(reinterpret_cast<const char*>(data), size)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  parse_names(data, size);
  auto file = archive::BatchFile::from_bytes(Bytes(data, data + size));
  if (!file.ok()) return 0;
  const uint64_t count = file->document_count();
  for (uint64_t leaf : {uint64_t{0}, count / 2, count - 1}) read_leaf(*file, leaf);
  (void)file->find(archive::Digest(), 4);
  if (!file->check(1).ok()) return 0;
  auto prepared = archive::read_prepared_batch(*file);
  if (!prepared.ok()) std::abort();  // a sound file always reads back
  auto encoded = archive::encode_batch_file(prepared->first, prepared->second);
  fuzz::check_round_trip(
      encoded, [](const Bytes& bytes) { return bytes; }, data, size);
  if (!encoded.ok()) std::abort();
  return 0;
}
