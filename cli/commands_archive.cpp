// govchain archive anchor FILES_OR_DIRS... --out BATCH_FILE [--label TEXT] [--algorithm ID]
// govchain archive anchor --hashes LIST_FILE --out BATCH_FILE [--label TEXT]
// govchain archive verify DOCUMENT BATCH_FILE_OR_PROOF [--offline] [--anchor FILE]
// govchain archive export BATCH_FILE (--document FILE | --hash HEX | --leaf N | --all) --out PATH
// govchain archive check BATCH_FILE
// govchain archive reanchor (--previous OLD_BATCH_FILE | --batch ID --proofs OLD_PROOFS_DIR) --algorithm ID
//                           --out NEW_BATCH_FILE FILES_OR_DIRS...
//
// Anchoring hashes every document, builds the batch's Merkle tree, anchors
// its root with the archive contract in one transaction and writes the
// proofs of all documents into one batch file (sdk/client/archive_batch.h),
// with the proof bundle of the batch's record once, so that `verify
// --offline` needs no node, decades later (docs/verification.md). The
// documents' file names stay on this machine, in "<batch file>.names".
// `export` writes per-document proof files from a batch file; `verify`
// reads both. The formats and the verification are specified in
// docs/archive.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "certificate_bundle.h"
#include "client/archive.h"
#include "client/archive_batch.h"
#include "client/local_time.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;
namespace archive = client::archive;
namespace fs = std::filesystem;

struct AnchorOptions {
  std::vector<std::string> inputs;
  std::string hash_list_path;
  std::string out_path;
  std::string label = "archive batch";
  std::string algorithm = "sha256";
  std::string municipality;
  unsigned thread_count = 0;
  // reanchor only
  std::string previous_batch_hex;
  std::string previous_batch_path;
  std::string previous_proofs_dir;
};

struct DocumentEntry {
  fs::path file;     // empty for a hash from a list
  std::string name;  // relative name, kept in the names file
};

// Batches of at least this many documents say what they are doing.
constexpr size_t large_batch_documents = 100'000;

archive::ProgressFunction progress_printer(const std::string& what) {
  auto printed = std::make_shared<bool>(false);
  return [what, printed](uint64_t done, uint64_t total) {
    if (done == total && !*printed) return;
    *printed = true;
    std::cerr << what << ": " << done << "/" << total << "\n";
  };
}

void say_for_large(size_t count, const std::string& what) {
  if (count >= large_batch_documents) std::cerr << what << "\n";
}

Status add_directory(const fs::path& directory, std::vector<DocumentEntry>& documents) {
  std::vector<fs::path> files;
  std::error_code failure;
  for (fs::recursive_directory_iterator it(directory, failure), end; !failure && it != end; it.increment(failure)) {
    if (it->is_regular_file()) files.push_back(it->path());
    if (files.size() > archive::document_count_max) return error(Code::too_large, "too many files");
  }
  if (failure) return error(Code::io_error, "cannot list " + directory.string() + ": " + failure.message());
  std::sort(files.begin(), files.end());
  for (auto& file : files) documents.push_back({file, fs::relative(file, directory).generic_string()});
  return Status();
}

Result<std::vector<DocumentEntry>> list_documents(const std::vector<std::string>& inputs) {
  std::vector<DocumentEntry> documents;
  for (const auto& input : inputs) {
    std::error_code failure;
    if (fs::is_directory(input, failure)) {
      GOVCHAIN_TRY(add_directory(input, documents));
    } else if (fs::is_regular_file(input, failure)) {
      documents.push_back({input, fs::path(input).filename().string()});
    } else {
      return error(Code::not_found, "'" + input + "' is neither a file nor a folder");
    }
  }
  std::set<std::string> names;
  for (const auto& document : documents) {
    if (!names.insert(document.name).second)
      return error(Code::invalid_argument,
                   "two documents share the name '" + document.name + "'; anchor them in separate batches or folders");
    if (document.name.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
      return error(Code::invalid_argument, "the file name '" + document.name + "' holds a line break; rename it");
  }
  if (documents.empty()) return error(Code::invalid_argument, "no documents found");
  return documents;
}

std::vector<std::string> names_of(const std::vector<DocumentEntry>& documents) {
  std::vector<std::string> names;
  for (const auto& document : documents) names.push_back(document.name);
  return names;
}

std::vector<fs::path> files_of(const std::vector<DocumentEntry>& documents) {
  std::vector<fs::path> files;
  for (const auto& document : documents) files.push_back(document.file);
  return files;
}

Result<std::vector<archive::Digest>> read_hash_list(const std::string& path) {
  auto text = client::read_small_file(path, 2ULL * 1024 * 1024 * 1024);
  if (!text.ok()) return text.status();
  auto hashes = archive::parse_hash_list(*text);
  if (!hashes.ok()) return hashes.status().with_context(path);
  return hashes;
}

Result<std::string> archive_municipality(const Context& context, const client::Client& node, const PublicKey& account,
                                         const std::string& given) {
  if (!given.empty()) return given;
  auto trust = context.trust();
  if (!trust.ok()) return trust.status();
  auto roles = node.roles(account, *trust);
  if (!roles.ok()) return roles.status().with_context("reading the key's roles");
  std::vector<std::string> found;
  for (const auto& role : roles->roles)
    if (role.role == "archive") found.push_back(role.municipality);
  if (found.size() == 1) return found.front();
  return error(Code::invalid_argument, found.empty() ? "the key holds the archive role in no municipality"
                                                     : "the key is an archive of several municipalities; give "
                                                       "--municipality ID");
}

// Gives the anchor record the bundle of the batch's record, so that every
// proof verifies offline; without it (node not answering) the proofs still
// verify online. Returns a line for the output.
std::string attach_batch_bundle(const Context& context, const client::Client& node, const archive::PreparedBatch& batch,
                                archive::AnchorRecord& anchor) {
  auto chosen = choose_anchor(context, "", nullptr, &node);
  Result<Bytes> bundle =
      chosen.ok() ? archive::fetch_batch_bundle(node, anchor, batch.algorithm, batch.tree->root(), chosen->anchor)
                  : Result<Bytes>(chosen.status());
  if (!bundle.ok())
    return "\n  the batch file carries no proof bundle (" + bundle.status().to_string() + "): it verifies online only";
  anchor.bundle = std::move(*bundle);
  anchor.trust_anchor = chosen->anchor;
  return "\n  the batch file carries the bundle of the batch record (verifies offline, `archive verify --offline`)";
}

// Where the batch goes: the batch file (its temporary file created now, so
// that an unwritable folder fails before anything is sent) and the names.
struct BatchOutput {
  archive::BatchFileWriter writer;
  std::vector<std::string> names;  // empty: documents named by their hashes
};

Result<BatchOutput> open_output(const std::string& out_path, std::vector<std::string> names) {
  if (!names.empty()) {
    if (fs::exists(archive::names_file_path(out_path)))
      return error(Code::already_exists, archive::names_file_path(out_path).string() + " exists already");
    GOVCHAIN_TRY(archive::names_file_text(Hash(), names.size(), names).status());
  }
  GOVCHAIN_ASSIGN_OR_RETURN(archive::BatchFileWriter writer, archive::BatchFileWriter::open(out_path));
  return BatchOutput{std::move(writer), std::move(names)};
}

json anchor_json(const archive::PreparedBatch& batch, const archive::AnchorRecord& anchor, const BatchOutput& output) {
  return {{"batch_id", anchor.batch_id.hex()},
          {"chain_id", anchor.chain_id},
          {"hash_algorithm", std::string(archive::algorithm_name(batch.algorithm))},
          {"root", batch.tree->root().hex()},
          {"document_count", batch.tree->leaf_count()},
          {"tx_hash", anchor.tx_hash.hex()},
          {"height", anchor.height},
          {"time_ms", anchor.time_ms},
          {"batch_file", output.writer.path().string()},
          {"names_file", output.names.empty() ? "" : archive::names_file_path(output.writer.path()).string()},
          {"proof_bundle", !anchor.bundle.empty()}};
}

Result<archive::AnchorRecord> send_anchor(const Context& context, const client::Client& node,
                                          const AnchorOptions& options, const archive::PreparedBatch& batch,
                                          const Hash& previous_batch_id) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::LoadedKey key, context.signing_key());
  archive::AnchorRequest request;
  GOVCHAIN_ASSIGN_OR_RETURN(request.municipality,
                            archive_municipality(context, node, key.key_pair.public_key, options.municipality));
  request.label = options.label;
  request.previous_batch_id = previous_batch_id;
  request.gas_limit = context.options.gas;
  request.wait_ms = context.options.wait_ms;
  return archive::anchor_batch(node, key.key_pair, batch, request);
}

// Anchors the prepared batch and writes its batch file and names.
int anchor_and_write(const Context& context, const AnchorOptions& options, const archive::PreparedBatch& batch,
                     BatchOutput& output, const Hash& previous_batch_id) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto anchor = send_anchor(context, *node, options, batch, previous_batch_id);
  if (!anchor.ok()) return context.fail(anchor.status(), "anchoring the batch root");
  const std::string bundle_note = attach_batch_bundle(context, *node, batch, *anchor);
  Status written = output.writer.write(batch, *anchor, progress_printer("writing the batch file (bytes)"));
  if (!written.ok())
    return context.fail(written, "writing the batch file (the batch " + anchor->batch_id.hex() +
                                     " IS anchored; its proofs can be rebuilt only from the same documents in the "
                                     "same order)");
  const auto names_path = archive::names_file_path(output.writer.path());
  if (!output.names.empty()) {
    Status named = archive::write_names_file(names_path, batch.batch_id, batch.document_hashes.size(), output.names);
    if (!named.ok())
      return context.fail(named, "writing " + names_path.string() + " (the batch file " +
                                     output.writer.path().string() +
                                     " is complete; without names, `archive export --all` names proofs by hash)");
  }
  std::string names_note = output.names.empty() ? "" : "\n  document names in " + names_path.string();
  return context.emit(anchor_json(batch, *anchor, output),
                      "anchored " + std::to_string(batch.tree->leaf_count()) + " documents as batch " +
                          anchor->batch_id.hex() + "\n  root " + batch.tree->root().hex() + " (" +
                          std::string(archive::algorithm_name(batch.algorithm)) + ")\n  transaction " +
                          anchor->tx_hash.hex() + " in block " + std::to_string(anchor->height) + " at " +
                          format_time_ms(anchor->time_ms) + "\n  proofs of all documents in " +
                          output.writer.path().string() + names_note + bundle_note + "\n");
}

// The document hashes to anchor and their names (none for a hash list).
Result<std::pair<std::vector<archive::Digest>, std::vector<DocumentEntry>>> anchor_inputs(
    const AnchorOptions& options) {
  if (!options.hash_list_path.empty()) {
    if (!options.inputs.empty()) return error(Code::invalid_argument, "give files or --hashes, not both");
    GOVCHAIN_ASSIGN_OR_RETURN(auto hashes, read_hash_list(options.hash_list_path));
    return std::make_pair(std::move(hashes), std::vector<DocumentEntry>());
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto documents, list_documents(options.inputs));
  return std::make_pair(std::vector<archive::Digest>(), std::move(documents));
}

int run_anchor(const Context& context, const AnchorOptions& options) {
  auto algorithm = archive::algorithm_from_name(options.algorithm);
  if (!algorithm.ok()) return context.fail(algorithm.status(), "reading --algorithm");
  Status label = archive::check_label(options.label);
  if (!label.ok()) return context.fail(label, "reading --label");
  auto inputs = anchor_inputs(options);
  if (!inputs.ok()) return context.fail(inputs.status(), "reading the documents");
  auto& [hashes, documents] = *inputs;
  auto output = open_output(options.out_path, names_of(documents));
  if (!output.ok()) return context.fail(output.status(), "preparing " + options.out_path);
  if (hashes.empty()) {
    auto digests =
        archive::hash_files(files_of(documents), {*algorithm}, options.thread_count, progress_printer("hashing files"));
    if (!digests.ok()) return context.fail(digests.status(), "hashing documents");
    for (const auto& digest : *digests) hashes.push_back(digest.front());
  }
  say_for_large(hashes.size(), "building the Merkle tree of " + std::to_string(hashes.size()) + " documents");
  auto batch = archive::prepare_batch(*algorithm, std::move(hashes), {});
  if (!batch.ok()) return context.fail(batch.status(), "building the Merkle tree");
  return anchor_and_write(context, options, *batch, *output, Hash());
}

// Opens a batch file: whole in memory for the bulk commands when it fits.
Result<archive::BatchFile> open_batch_file(const std::string& path, bool bulk) {
  std::error_code failure;
  const auto size_bytes = fs::file_size(path, failure);
  if (bulk && !failure && size_bytes <= archive::batch_load_size_bytes_max) return archive::BatchFile::load(path);
  return archive::BatchFile::open(path);
}

// The earlier proof of every document, from a folder of proof files.
Result<std::vector<std::shared_ptr<const archive::Proof>>> read_earlier_proofs(
    const AnchorOptions& options, const std::vector<DocumentEntry>& documents, const Hash& previous_batch_id) {
  std::vector<std::shared_ptr<const archive::Proof>> proofs;
  for (const auto& document : documents) {
    auto proof = archive::read_proof_file(fs::path(options.previous_proofs_dir) / (document.name + ".proof.json"));
    if (!proof.ok()) return proof.status();
    if (proof->batch_id != previous_batch_id)
      return error(Code::invalid_argument,
                   "the proof of '" + document.name + "' is of batch " + proof->batch_id.hex() + ", not of --batch");
    proofs.push_back(std::make_shared<const archive::Proof>(std::move(*proof)));
  }
  return proofs;
}

std::vector<archive::HashAlgorithm> with_algorithms(archive::HashAlgorithm newer,
                                                    const std::vector<archive::HashAlgorithm>& older) {
  std::vector<archive::HashAlgorithm> algorithms{newer};
  for (auto algorithm : older)
    if (std::find(algorithms.begin(), algorithms.end(), algorithm) == algorithms.end()) algorithms.push_back(algorithm);
  return algorithms;
}

archive::DocumentDigests digests_of(const std::vector<archive::HashAlgorithm>& algorithms,
                                    const std::vector<archive::Digest>& digests) {
  archive::DocumentDigests document;
  for (size_t slot = 0; slot < algorithms.size(); ++slot) document[algorithms[slot]] = digests[slot];
  return document;
}

Status check_against(const std::string& name, const archive::Proof& proof, const archive::DocumentDigests& digests) {
  auto check = archive::check_proof_offline(proof, digests);
  if (check.valid()) return Status();
  return error(Code::invalid, "'" + name + "' does not match its earlier proof (" +
                                  std::string(archive::verdict_name(check.verdict)) + ": " + check.reason + ")");
}

// A renewal from per-document proof files: every document hashed with the
// newer algorithm and checked against its earlier proof; the documents are
// put in the order of the leaves they renew, as with batch files.
Result<archive::PreparedBatch> renewal_from_proofs(const AnchorOptions& options, std::vector<DocumentEntry>& documents,
                                                   archive::HashAlgorithm newer, const Hash& previous_batch_id) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto proofs, read_earlier_proofs(options, documents, previous_batch_id));
  std::vector<archive::HashAlgorithm> older;
  for (const auto& proof : proofs)
    for (auto algorithm : archive::algorithms_of(*proof)) older.push_back(algorithm);
  const auto algorithms = with_algorithms(newer, older);
  GOVCHAIN_ASSIGN_OR_RETURN(auto digests, archive::hash_files(files_of(documents), algorithms, options.thread_count,
                                                              progress_printer("hashing files")));
  std::vector<size_t> order(documents.size());
  for (size_t index = 0; index < order.size(); ++index) order[index] = index;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t left, size_t right) { return proofs[left]->leaf_index < proofs[right]->leaf_index; });
  std::vector<DocumentEntry> ordered;
  std::vector<std::shared_ptr<const archive::Proof>> ordered_proofs;
  std::vector<archive::Digest> newer_hashes;
  for (size_t index : order) {
    GOVCHAIN_TRY(check_against(documents[index].name, *proofs[index], digests_of(algorithms, digests[index])));
    ordered.push_back(documents[index]);
    ordered_proofs.push_back(proofs[index]);
    newer_hashes.push_back(digests[index].front());
  }
  documents = std::move(ordered);
  return archive::prepare_batch(newer, std::move(newer_hashes), std::move(ordered_proofs));
}

// The leaf of `previous` each document renews: found through its index by
// the document's hash, each leaf once, and checked against its proof.
Result<std::vector<uint64_t>> match_documents(const AnchorOptions& options, const std::vector<DocumentEntry>& documents,
                                              const archive::BatchFile& previous,
                                              const std::vector<archive::HashAlgorithm>& algorithms,
                                              std::vector<archive::Digest>& newer_hashes) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto digests, archive::hash_files(files_of(documents), algorithms, options.thread_count,
                                                              progress_printer("hashing files")));
  const auto older = std::find(algorithms.begin(), algorithms.end(), previous.header().algorithm) - algorithms.begin();
  std::vector<bool> taken(previous.document_count(), false);
  std::vector<uint64_t> leaves;
  for (size_t index = 0; index < documents.size(); ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto candidates, previous.find(digests[index][older]));
    auto free = std::find_if(candidates.begin(), candidates.end(), [&](uint64_t leaf) { return !taken[leaf]; });
    if (free == candidates.end())
      return error(Code::invalid, "'" + documents[index].name + "' is not a document of batch " +
                                      previous.header().batch_id.hex() + " (altered, or another file)");
    taken[*free] = true;
    GOVCHAIN_ASSIGN_OR_RETURN(archive::Proof proof, previous.proof(*free));
    GOVCHAIN_TRY(check_against(documents[index].name, proof, digests_of(algorithms, digests[index])));
    leaves.push_back(*free);
    newer_hashes.push_back(digests[index].front());
  }
  return leaves;
}

// A renewal from a batch file: the documents in the order of the leaves
// they renew (so leaf i renews leaf i), their names reordered alike.
Result<archive::PreparedBatch> renewal_from_batch(const AnchorOptions& options, std::vector<DocumentEntry>& documents,
                                                  archive::HashAlgorithm newer,
                                                  std::shared_ptr<const archive::BatchFile> previous) {
  if (documents.size() != previous->document_count())
    return error(Code::invalid_argument, "batch " + previous->header().batch_id.hex() + " has " +
                                             std::to_string(previous->document_count()) + " documents but " +
                                             std::to_string(documents.size()) +
                                             " were given: a batch is re-anchored whole, once");
  const auto algorithms = with_algorithms(newer, previous->algorithms());
  std::vector<archive::Digest> hashes;
  GOVCHAIN_ASSIGN_OR_RETURN(auto leaves, match_documents(options, documents, *previous, algorithms, hashes));
  std::vector<DocumentEntry> ordered(documents.size());
  std::vector<archive::Digest> ordered_hashes(documents.size());
  for (size_t index = 0; index < documents.size(); ++index) {
    ordered[leaves[index]] = documents[index];
    ordered_hashes[leaves[index]] = hashes[index];
  }
  documents = std::move(ordered);
  std::vector<uint32_t> identity(documents.size());
  for (uint32_t leaf = 0; leaf < identity.size(); ++leaf) identity[leaf] = leaf;
  say_for_large(documents.size(), "building the renewal tree of " + std::to_string(documents.size()) + " documents");
  return archive::prepare_renewal(newer, std::move(ordered_hashes), std::move(previous), std::move(identity),
                                  options.thread_count);
}

Result<std::shared_ptr<const archive::BatchFile>> checked_previous_batch(const AnchorOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(archive::BatchFile previous, open_batch_file(options.previous_batch_path, true));
  // A renewal embeds the earlier batch whole, so all of it must be sound.
  GOVCHAIN_TRY(previous.check(options.thread_count));
  if (!options.previous_batch_hex.empty() && options.previous_batch_hex != previous.header().batch_id.hex())
    return error(Code::invalid_argument,
                 options.previous_batch_path + " holds batch " + previous.header().batch_id.hex() + ", not --batch");
  return std::make_shared<const archive::BatchFile>(std::move(previous));
}

int run_reanchor(const Context& context, const AnchorOptions& options) {
  auto algorithm = archive::algorithm_from_name(options.algorithm);
  if (!algorithm.ok()) return context.fail(algorithm.status(), "reading --algorithm");
  Status label = archive::check_label(options.label);
  if (!label.ok()) return context.fail(label, "reading --label");
  if (options.previous_batch_path.empty() == options.previous_proofs_dir.empty())
    return context.fail(error(Code::invalid_argument, "give --previous BATCH_FILE or --proofs DIR (with --batch)"),
                        "reading arguments");
  auto documents = list_documents(options.inputs);
  if (!documents.ok()) return context.fail(documents.status(), "listing documents");
  auto output = open_output(options.out_path, names_of(*documents));
  if (!output.ok()) return context.fail(output.status(), "preparing " + options.out_path);
  Result<archive::PreparedBatch> batch = error(Code::internal, "not prepared");
  Hash previous_batch_id;
  if (!options.previous_batch_path.empty()) {
    auto previous = checked_previous_batch(options);
    if (!previous.ok()) return context.fail(previous.status(), "reading " + options.previous_batch_path);
    previous_batch_id = (*previous)->header().batch_id;
    batch = renewal_from_batch(options, *documents, *algorithm, *previous);
  } else {
    auto given = Hash::from_hex_string(options.previous_batch_hex);
    if (!given.ok()) return context.fail(given.status(), "reading --batch (needed with --proofs)");
    previous_batch_id = *given;
    batch = renewal_from_proofs(options, *documents, *algorithm, previous_batch_id);
  }
  if (!batch.ok()) return context.fail(batch.status(), "checking the documents against their earlier proofs");
  output->names = names_of(*documents);  // in the order of the renewal's leaves
  return anchor_and_write(context, options, *batch, *output, previous_batch_id);
}

json verification_json(const archive::Verification& verification) {
  json steps = json::array();
  for (const auto& step : verification.steps)
    steps.push_back({{"batch_id", step.batch_id.hex()},
                     {"hash_algorithm", std::string(archive::algorithm_name(step.algorithm))},
                     {"height", step.height},
                     {"time_ms", step.time_ms}});
  return {{"valid", verification.valid()},
          {"verdict", std::string(archive::verdict_name(verification.verdict))},
          {"reason", verification.reason},
          {"evidence", std::move(steps)},
          {"as_of_height", verification.as_of_height},
          {"as_of_time_ms", verification.as_of_time_ms},
          {"anchor_pinned", verification.anchor_pinned}};
}

std::string verification_text(const archive::Verification& verification, const std::string& document) {
  if (!verification.valid())
    return "INVALID: " + std::string(archive::verdict_name(verification.verdict)) + ": " + verification.reason;
  const auto& oldest = verification.steps.back();
  std::string text = "VALID: " + document + " existed unchanged at " + client::format_time_local(oldest.time_ms) +
                     " (block " + std::to_string(oldest.height) + ")";
  if (verification.as_of_height != 0)
    text += "\n  checked offline with the proof bundles the file carries: the anchoring holds as of block " +
            std::to_string(verification.as_of_height) + ", time " +
            client::format_time_local(verification.as_of_time_ms) + " (Europe/Berlin); trust anchor " +
            (verification.anchor_pinned ? "pinned by --anchor/--genesis"
                                        : "named by the proof, not pinned (pass --genesis FILE to pin it)");
  for (const auto& step : verification.steps)
    text += "\n  anchored in batch " + step.batch_id.hex() + " with " +
            std::string(archive::algorithm_name(step.algorithm)) + " at " + client::format_time_local(step.time_ms) +
            " (block " + std::to_string(step.height) + ")";
  return text;
}

struct VerifyOptions {
  std::string document, proof_file, anchor_path;
  bool offline = false;
};

Result<archive::Verification> verify_offline(const Context& context, const VerifyOptions& options,
                                             const archive::Proof& proof, const archive::DocumentDigests& digests) {
  std::vector<client::TrustAnchor> pinned;
  if (!options.anchor_path.empty() || !context.options.genesis_path.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(ChosenAnchor chosen, choose_anchor(context, options.anchor_path, nullptr, nullptr));
    pinned.push_back(chosen.anchor);
  }
  return archive::verify_proof_offline(proof, digests, pinned);
}

// The proof of a document, from a proof file or a batch file; or a verdict
// when the file itself refuses it (malformed, altered, no such document).
struct FoundProof {
  std::optional<archive::Proof> proof;
  archive::DocumentDigests digests;
  archive::Verification refusal;
};

archive::Verification refusal(archive::Verdict verdict, std::string reason) {
  archive::Verification verification;
  verification.verdict = verdict;
  verification.reason = std::move(reason);
  return verification;
}

Result<archive::DocumentDigests> hash_document(const std::string& document,
                                               const std::vector<archive::HashAlgorithm>& algorithms) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto digests, archive::hash_file(document, algorithms));
  return digests_of(algorithms, digests);
}

// The document's leaf through the index; an index that hides a leaf the
// documents section holds is told apart from a document the batch lacks.
Result<FoundProof> proof_from_batch(const std::string& document, const archive::BatchFile& file) {
  FoundProof found;
  GOVCHAIN_ASSIGN_OR_RETURN(found.digests, hash_document(document, file.algorithms()));
  const archive::Digest& digest = found.digests.at(file.header().algorithm);
  const std::string batch = "batch " + file.header().batch_id.hex();
  auto leaves = file.find(digest, 1);
  if (!leaves.ok() && leaves.status().code() != Code::malformed) return leaves.status();
  if (leaves.ok() && !leaves->empty()) {
    auto proof = file.proof(leaves->front());
    if (proof.ok()) found.proof = std::move(*proof);
    if (!proof.ok() && proof.status().code() != Code::malformed) return proof.status();
    if (!proof.ok()) found.refusal = refusal(archive::Verdict::proof_tampered, proof.status().message());
    return found;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint64_t> scanned, file.scan(digest));
  if (scanned)
    found.refusal =
        refusal(archive::Verdict::proof_tampered,
                "the batch file's index does not lead to leaf " + std::to_string(*scanned) +
                    ", which holds the document's hash: the index was altered (" +
                    (leaves.ok() ? std::string("run `govchain archive check`") : leaves.status().message()) + ")");
  else
    found.refusal = refusal(archive::Verdict::document_altered,
                            "the document's " + std::string(archive::algorithm_name(file.header().algorithm)) +
                                " hash is in no leaf of " + batch +
                                ": it is not a document of this batch (altered or another file)");
  return found;
}

Result<FoundProof> find_proof(const VerifyOptions& options) {
  std::ifstream stream(options.proof_file, std::ios::binary);
  std::string prefix(archive::batch_magic.size(), '\0');
  stream.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  prefix.resize(static_cast<size_t>(stream.gcount()));
  FoundProof found;
  if (archive::BatchFile::looks_like_batch_file(prefix)) {
    auto file = archive::BatchFile::open(options.proof_file);
    if (file.ok()) return proof_from_batch(options.document, *file);
    if (file.status().code() != Code::malformed) return file.status();
    found.refusal = refusal(archive::Verdict::proof_tampered, file.status().message());
    return found;
  }
  auto proof = archive::read_proof_file(options.proof_file);
  if (!proof.ok()) {
    found.refusal = refusal(archive::Verdict::proof_tampered, proof.status().message());
    return found;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(found.digests, hash_document(options.document, archive::algorithms_of(*proof)));
  found.proof = std::move(*proof);
  return found;
}

int run_verify(const Context& context, const VerifyOptions& options) {
  auto found = find_proof(options);
  if (!found.ok()) return context.fail(found.status(), "reading the document and its proof");
  if (!found->proof) {
    context.emit(verification_json(found->refusal), verification_text(found->refusal, options.document) + "\n");
    return exit_failure;
  }
  Result<archive::Verification> verification = error(Code::internal, "not verified");
  if (options.offline) {
    verification = verify_offline(context, options, *found->proof, found->digests);
  } else {
    auto node = context.client();
    if (!node.ok()) return context.fail(node.status(), "connecting");
    verification = archive::verify_proof(*node, *found->proof, found->digests);
  }
  if (!verification.ok()) return context.fail(verification.status(), "checking the proof");
  context.emit(verification_json(*verification), verification_text(*verification, options.document) + "\n");
  return verification->valid() ? exit_ok : exit_failure;
}

struct ExportOptions {
  std::string batch_path, out_path, document_path, hash_hex, names_path;
  std::optional<uint64_t> leaf;
  bool all = false;
  unsigned thread_count = 0;
};

// The leaf --document, --hash or --leaf names.
Result<uint64_t> chosen_leaf(const ExportOptions& options, const archive::BatchFile& file) {
  if (options.leaf) return *options.leaf;
  archive::Digest digest;
  if (!options.hash_hex.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(digest, archive::Digest::from_hex_string(options.hash_hex));
  } else {
    GOVCHAIN_ASSIGN_OR_RETURN(auto digests, archive::hash_file(options.document_path, {file.header().algorithm}));
    digest = digests.front();
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto leaves, file.find(digest, 1));
  if (leaves.empty())
    return error(Code::not_found,
                 "the document's hash " + digest.hex() + " is in no leaf of batch " + file.header().batch_id.hex());
  return leaves.front();
}

int export_one(const Context& context, const ExportOptions& options, const archive::BatchFile& file) {
  auto leaf = chosen_leaf(options, file);
  if (!leaf.ok()) return context.fail(leaf.status(), "finding the document in " + options.batch_path);
  auto proof = file.proof(*leaf);
  if (!proof.ok()) return context.fail(proof.status(), "reading the proof of leaf " + std::to_string(*leaf));
  Status written = archive::write_proof_file(options.out_path, *proof);
  if (!written.ok()) return context.fail(written, "writing " + options.out_path);
  return context.emit({{"batch_id", file.header().batch_id.hex()},
                       {"leaf_index", *leaf},
                       {"document_hash", proof->document_hash.hex()},
                       {"proof_file", options.out_path}},
                      "wrote the proof of leaf " + std::to_string(*leaf) + " (document hash " +
                          proof->document_hash.hex() + ") to " + options.out_path + "\n");
}

// One path per leaf: by its name when the batch has a names file, else by
// its document hash (a hash given twice gets one file).
Result<std::vector<fs::path>> export_paths(const ExportOptions& options, const archive::BatchFile& file) {
  const fs::path names_path =
      options.names_path.empty() ? archive::names_file_path(options.batch_path) : fs::path(options.names_path);
  std::vector<std::string> names;
  if (!options.names_path.empty() || fs::exists(names_path)) {
    GOVCHAIN_ASSIGN_OR_RETURN(names, archive::read_names_file(names_path, file.header()));
  } else {
    GOVCHAIN_ASSIGN_OR_RETURN(auto hashes, file.document_hashes());
    std::set<archive::Digest> seen;
    for (const auto& hash : hashes) names.push_back(seen.insert(hash).second ? hash.hex() : "");
  }
  std::vector<fs::path> paths;
  std::set<fs::path> folders;
  for (const auto& name : names) {
    paths.push_back(name.empty() ? fs::path() : fs::path(options.out_path) / (name + ".proof.json"));
    if (name.empty()) continue;
    if (fs::exists(paths.back()))
      return error(Code::already_exists, "proof file " + paths.back().string() + " exists already; use a new --out");
    folders.insert(paths.back().parent_path());
  }
  for (const auto& folder : folders) {
    std::error_code failure;
    fs::create_directories(folder, failure);
    if (failure) return error(Code::io_error, "cannot create " + folder.string() + ": " + failure.message());
  }
  return paths;
}

int export_all(const Context& context, const ExportOptions& options, const archive::BatchFile& file) {
  auto paths = export_paths(options, file);
  if (!paths.ok()) return context.fail(paths.status(), "preparing " + options.out_path);
  Status written =
      archive::write_proof_files(file, *paths, options.thread_count, progress_printer("writing proof files"));
  if (!written.ok()) return context.fail(written, "writing proof files");
  const auto count = std::count_if(paths->begin(), paths->end(), [](const fs::path& path) { return !path.empty(); });
  return context.emit({{"batch_id", file.header().batch_id.hex()}, {"proof_files", count}, {"out", options.out_path}},
                      "wrote " + std::to_string(count) + " proof files of batch " + file.header().batch_id.hex() +
                          " to " + options.out_path + "\n");
}

int run_export(const Context& context, const ExportOptions& options) {
  const int chosen =
      !options.document_path.empty() + !options.hash_hex.empty() + options.leaf.has_value() + options.all;
  if (chosen != 1)
    return context.fail(error(Code::invalid_argument, "give exactly one of --document, --hash, --leaf and --all"),
                        "reading arguments");
  auto file = open_batch_file(options.batch_path, options.all);
  if (!file.ok()) return context.fail(file.status(), "opening " + options.batch_path);
  return options.all ? export_all(context, options, *file) : export_one(context, options, *file);
}

int run_check(const Context& context, const std::string& batch_path, unsigned thread_count) {
  auto file = open_batch_file(batch_path, true);
  if (!file.ok()) return context.fail(file.status(), "opening " + batch_path);
  Status checked = file->check(thread_count);
  if (!checked.ok()) return context.fail(checked, "checking " + batch_path);
  const auto& header = file->header();
  json renews = json::array();
  for (auto step = file->previous(); step != nullptr; step = step->previous())
    renews.push_back(step->header().batch_id.hex());
  return context.emit({{"valid", true},
                       {"batch_id", header.batch_id.hex()},
                       {"chain_id", header.chain_id},
                       {"contract", header.contract},
                       {"hash_algorithm", std::string(archive::algorithm_name(header.algorithm))},
                       {"document_count", header.document_count},
                       {"root", header.root.hex()},
                       {"tx_hash", header.anchor_tx_hash.hex()},
                       {"height", header.anchor_height},
                       {"time_ms", header.anchor_time_ms},
                       {"renews", renews},
                       {"proof_bundle", !header.bundle.empty()},
                       {"size_bytes", file->size_bytes()}},
                      "batch file " + batch_path + " is sound: batch " + header.batch_id.hex() + ", " +
                          std::to_string(header.document_count) + " documents, root " + header.root.hex() + " (" +
                          std::string(archive::algorithm_name(header.algorithm)) + "), anchored in block " +
                          std::to_string(header.anchor_height) + " at " + format_time_ms(header.anchor_time_ms) +
                          (renews.empty() ? "" : ", renewing " + std::to_string(renews.size()) + " earlier batch(es)") +
                          (header.bundle.empty() ? "; no proof bundle (verifies online only)" : "") + "\n");
}

void add_batch_options(CLI::App& command, AnchorOptions& options) {
  command.add_option("--out", options.out_path, "the batch file to write (never overwritten)")->required();
  command.add_option("--label", options.label, "batch label on chain: printable ASCII, no personal data")
      ->capture_default_str();
  command.add_option("--municipality", options.municipality,
                     "municipality to anchor for (default: the one where the key holds the archive role)");
  command.add_option("--threads", options.thread_count, "hashing threads (0: automatic)");
}

void register_export(CLI::App& group, Context& context) {
  auto options = std::make_shared<ExportOptions>();
  auto* command = group.add_subcommand("export", "write per-document proof files from a batch file");
  command->add_option("batch_file", options->batch_path, "the batch file")->required();
  command->add_option("--out", options->out_path, "the proof file to write, or the folder for --all")->required();
  command->add_option("--document", options->document_path, "the proof of this document (found by its hash)");
  command->add_option("--hash", options->hash_hex, "the proof of the document with this hash (hex)");
  command->add_option("--leaf", options->leaf, "the proof of this leaf index");
  command->add_flag("--all", options->all, "every document's proof, named as in the names file (else by hash)");
  command->add_option("--names", options->names_path, "the names file (default: BATCH_FILE.names when present)");
  command->add_option("--threads", options->thread_count, "writing threads (0: automatic)");
  command->callback(context.action([&context, options] { return run_export(context, *options); }));
}

void register_check(CLI::App& group, Context& context) {
  auto path = std::make_shared<std::string>();
  auto threads = std::make_shared<unsigned>(0);
  auto* command = group.add_subcommand("check", "check a whole batch file: index, tree, renewals (no node needed)");
  command->add_option("batch_file", *path, "the batch file")->required();
  command->add_option("--threads", *threads, "hashing threads (0: automatic)");
  command->callback(context.action([&context, path, threads] { return run_check(context, *path, *threads); }));
}

void register_verify(CLI::App& group, Context& context) {
  auto* verify = group.add_subcommand("verify", "verify a document with its batch file or proof file (no key needed)");
  auto verify_options = std::make_shared<VerifyOptions>();
  verify->add_option("document", verify_options->document, "the document file")->required();
  verify->add_option("proof", verify_options->proof_file, "its batch file or proof file")->required();
  verify->add_flag("--offline", verify_options->offline,
                   "use only the proof bundles the batch or proof file carries; ask no node");
  verify->add_option("--anchor", verify_options->anchor_path,
                     "offline: trust anchor (or genesis) file to pin; default: --genesis, else the file's own");
  verify->callback(context.action([&context, verify_options] { return run_verify(context, *verify_options); }));
}

}  // namespace

void register_archive_commands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("archive", "archive hashes: anchor document batches, verify, export, re-anchor");
  group->require_subcommand(1);
  auto options = std::make_shared<AnchorOptions>();

  auto* anchor = group->add_subcommand("anchor", "anchor the Merkle root of a batch of documents");
  anchor->add_option("inputs", options->inputs, "document files and folders (folders are read recursively)");
  anchor->add_option("--hashes", options->hash_list_path,
                     "file with precomputed document hashes, one hex hash per line (instead of documents)");
  anchor->add_option("--algorithm", options->algorithm, "hash algorithm: sha256, sha3_256, sha512_256")
      ->capture_default_str();
  add_batch_options(*anchor, *options);
  anchor->callback(context.action([&context, options] { return run_anchor(context, *options); }));

  auto* reanchor = group->add_subcommand("reanchor", "re-anchor a batch under a newer hash algorithm");
  reanchor->add_option("inputs", options->inputs, "the documents of the batch (files and folders)")->required();
  reanchor->add_option("--previous", options->previous_batch_path, "the batch file of the batch to re-anchor");
  reanchor->add_option("--batch", options->previous_batch_hex, "the batch to re-anchor (64 hex; with --proofs)");
  reanchor->add_option("--proofs", options->previous_proofs_dir, "the folder of that batch's proof files");
  reanchor->add_option("--algorithm", options->algorithm, "the newer hash algorithm: sha3_256, sha512_256, sha256")
      ->required();
  add_batch_options(*reanchor, *options);
  reanchor->callback(context.action([&context, options] { return run_reanchor(context, *options); }));

  register_verify(*group, context);
  register_export(*group, context);
  register_check(*group, context);
}

}  // namespace govchain::cli
