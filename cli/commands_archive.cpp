// govchain archive anchor FILES_OR_DIR... --out PROOFS_DIR [--label TEXT] [--algorithm ID]
// govchain archive anchor --hashes LIST_FILE --out PROOFS_DIR [--label TEXT]
// govchain archive verify DOCUMENT PROOF [--offline] [--anchor FILE]
// govchain archive reanchor --batch ID --proofs OLD_PROOFS_DIR --algorithm ID --out PROOFS_DIR FILES_OR_DIR...
//
// Anchoring hashes every document, builds the batch's Merkle tree, anchors
// its root with the archive contract in one transaction and writes one proof
// file per document: PROOFS_DIR/<path relative to the input>.proof.json, or
// PROOFS_DIR/<hash>.proof.json for a hash list. File names never leave this
// machine. The tree, the proof format and the verification are specified in
// docs/archive.md and implemented in sdk/client/archive.h. Every proof file
// carries the proof bundle of its batch's record, so `verify --offline`
// needs no node, decades later (docs/verification.md).
#include <filesystem>
#include <iostream>
#include <set>

#include "certificate_bundle.h"
#include "client/archive.h"
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
  std::string out_dir;
  std::string label = "archive batch";
  std::string algorithm = "sha256";
  std::string municipality;
  unsigned thread_count = 0;
  // reanchor only
  std::string previous_batch_hex;
  std::string previous_proofs_dir;
};

struct DocumentEntry {
  fs::path file;     // empty for a hash from a list
  std::string name;  // relative name of the proof file, without ".proof.json"
};

archive::ProgressFunction progress_printer(const std::string& what) {
  auto printed = std::make_shared<bool>(false);
  return [what, printed](uint64_t done, uint64_t total) {
    if (done == total && !*printed) return;
    *printed = true;
    std::cerr << what << ": " << done << "/" << total << "\n";
  };
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
  for (const auto& document : documents)
    if (!names.insert(document.name).second)
      return error(Code::invalid_argument, "two documents would share the proof name '" + document.name +
                                               "'; anchor them in separate batches or folders");
  if (documents.empty()) return error(Code::invalid_argument, "no documents found");
  return documents;
}

fs::path proof_path(const fs::path& out_dir, const std::string& name) { return out_dir / (name + ".proof.json"); }

// Creates the folders and refuses to overwrite proofs, before anything is sent.
Result<std::vector<fs::path>> plan_proof_paths(const fs::path& out_dir, const std::vector<DocumentEntry>& documents) {
  std::vector<fs::path> paths;
  std::set<fs::path> folders;
  std::error_code failure;
  for (const auto& document : documents) {
    if (document.name.empty()) {
      paths.emplace_back();
      continue;
    }
    paths.push_back(proof_path(out_dir, document.name));
    if (fs::exists(paths.back(), failure))
      return error(Code::already_exists, "proof file " + paths.back().string() + " exists already; use a new --out");
    folders.insert(paths.back().parent_path());
  }
  for (const auto& folder : folders) {
    fs::create_directories(folder, failure);
    if (failure) return error(Code::io_error, "cannot create " + folder.string() + ": " + failure.message());
  }
  return paths;
}

// A hash list: one proof per distinct hash, named by the hash.
Result<std::vector<archive::Digest>> read_hash_list(const std::string& path, std::vector<DocumentEntry>& documents) {
  auto text = client::read_small_file(path, 2ULL * 1024 * 1024 * 1024);
  if (!text.ok()) return text.status();
  auto hashes = archive::parse_hash_list(*text);
  if (!hashes.ok()) return hashes.status().with_context(path);
  std::set<archive::Digest> seen;
  for (const auto& hash : *hashes) documents.push_back({fs::path(), seen.insert(hash).second ? hash.hex() : ""});
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

json anchor_json(const archive::PreparedBatch& batch, const archive::AnchorRecord& anchor, const std::string& out) {
  return {{"batch_id", anchor.batch_id.hex()},
          {"chain_id", anchor.chain_id},
          {"hash_algorithm", std::string(archive::algorithm_name(batch.algorithm))},
          {"root", batch.tree->root().hex()},
          {"document_count", batch.tree->leaf_count()},
          {"tx_hash", anchor.tx_hash.hex()},
          {"height", anchor.height},
          {"time_ms", anchor.time_ms},
          {"proofs_dir", out}};
}

// Gives the anchor record the bundle of the batch's record, so that every
// proof file verifies offline; without it (node not answering) the proofs
// still verify online. Returns a line for the output.
std::string attach_batch_bundle(const Context& context, const client::Client& node, const archive::PreparedBatch& batch,
                                archive::AnchorRecord& anchor) {
  auto chosen = choose_anchor(context, "", nullptr, &node);
  Result<Bytes> bundle =
      chosen.ok() ? archive::fetch_batch_bundle(node, anchor, batch.algorithm, batch.tree->root(), chosen->anchor)
                  : Result<Bytes>(chosen.status());
  if (!bundle.ok())
    return "\n  the proofs carry no proof bundle (" + bundle.status().to_string() + "): they verify online only";
  anchor.bundle = std::move(*bundle);
  anchor.trust_anchor = chosen->anchor;
  return "\n  each proof carries the bundle of the batch record (verifies offline, `archive verify --offline`)";
}

// Anchors the prepared batch and writes its proofs.
int anchor_and_write(const Context& context, const AnchorOptions& options, const archive::PreparedBatch& batch,
                     const std::vector<fs::path>& proof_paths, const Hash& previous_batch_id) {
  auto key = context.signing_key();
  if (!key.ok()) return context.fail(key.status(), "loading the key");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  archive::AnchorRequest request;
  auto municipality = archive_municipality(context, *node, key->key_pair.public_key, options.municipality);
  if (!municipality.ok()) return context.fail(municipality.status(), "choosing the municipality");
  request.municipality = *municipality;
  request.label = options.label;
  request.previous_batch_id = previous_batch_id;
  request.gas_limit = context.options.gas;
  request.wait_ms = context.options.wait_ms;
  auto anchor = archive::anchor_batch(*node, key->key_pair, batch, request);
  if (!anchor.ok()) return context.fail(anchor.status(), "anchoring the batch root");
  const std::string bundle_note = attach_batch_bundle(context, *node, batch, *anchor);
  Status written =
      archive::write_proofs(batch, *anchor, proof_paths, options.thread_count, progress_printer("writing proofs"));
  if (!written.ok())
    return context.fail(written, "writing proofs (the batch " + anchor->batch_id.hex() +
                                     " IS anchored; the proofs can be rebuilt only from the same documents in the "
                                     "same order)");
  return context.emit(anchor_json(batch, *anchor, options.out_dir),
                      "anchored " + std::to_string(batch.tree->leaf_count()) + " documents as batch " +
                          anchor->batch_id.hex() + "\n  root " + batch.tree->root().hex() + " (" +
                          std::string(archive::algorithm_name(batch.algorithm)) + ")\n  transaction " +
                          anchor->tx_hash.hex() + " in block " + std::to_string(anchor->height) + " at " +
                          format_time_ms(anchor->time_ms) + "\n  proofs in " + options.out_dir + bundle_note + "\n");
}

int run_anchor(const Context& context, const AnchorOptions& options) {
  auto algorithm = archive::algorithm_from_name(options.algorithm);
  if (!algorithm.ok()) return context.fail(algorithm.status(), "reading --algorithm");
  Status label = archive::check_label(options.label);
  if (!label.ok()) return context.fail(label, "reading --label");
  std::vector<DocumentEntry> documents;
  std::vector<archive::Digest> hashes;
  if (!options.hash_list_path.empty()) {
    if (!options.inputs.empty())
      return context.fail(error(Code::invalid_argument, "give files or --hashes, not both"), "reading arguments");
    auto list = read_hash_list(options.hash_list_path, documents);
    if (!list.ok()) return context.fail(list.status(), "reading the hash list");
    hashes = std::move(*list);
  } else {
    auto listed = list_documents(options.inputs);
    if (!listed.ok()) return context.fail(listed.status(), "listing documents");
    documents = std::move(*listed);
  }
  auto paths = plan_proof_paths(options.out_dir, documents);
  if (!paths.ok()) return context.fail(paths.status(), "preparing " + options.out_dir);
  if (hashes.empty()) {
    std::vector<fs::path> files;
    for (const auto& document : documents) files.push_back(document.file);
    auto digests = archive::hash_files(files, {*algorithm}, options.thread_count, progress_printer("hashing files"));
    if (!digests.ok()) return context.fail(digests.status(), "hashing documents");
    for (const auto& digest : *digests) hashes.push_back(digest.front());
  }
  auto batch = archive::prepare_batch(*algorithm, std::move(hashes), {});
  if (!batch.ok()) return context.fail(batch.status(), "building the Merkle tree");
  return anchor_and_write(context, options, *batch, *paths, Hash());
}

// The earlier proof of every document, checked against the document.
Result<std::vector<std::shared_ptr<const archive::Proof>>> read_earlier_proofs(
    const AnchorOptions& options, const std::vector<DocumentEntry>& documents, const Hash& previous_batch_id) {
  std::vector<std::shared_ptr<const archive::Proof>> proofs;
  for (const auto& document : documents) {
    auto proof = archive::read_proof_file(proof_path(options.previous_proofs_dir, document.name));
    if (!proof.ok()) return proof.status();
    if (proof->batch_id != previous_batch_id)
      return error(Code::invalid_argument,
                   "the proof of '" + document.name + "' is of batch " + proof->batch_id.hex() + ", not of --batch");
    proofs.push_back(std::make_shared<const archive::Proof>(std::move(*proof)));
  }
  return proofs;
}

std::vector<archive::HashAlgorithm> algorithms_needed(const std::vector<std::shared_ptr<const archive::Proof>>& proofs,
                                                      archive::HashAlgorithm newer) {
  std::vector<archive::HashAlgorithm> algorithms{newer};
  for (const auto& proof : proofs)
    for (auto algorithm : archive::algorithms_of(*proof))
      if (std::find(algorithms.begin(), algorithms.end(), algorithm) == algorithms.end())
        algorithms.push_back(algorithm);
  return algorithms;
}

// Hashes every document with the newer algorithm and checks it against its
// earlier proof (offline), so that only unchanged documents are renewed.
Result<std::vector<archive::Digest>> hash_for_renewal(const AnchorOptions& options,
                                                      const std::vector<DocumentEntry>& documents,
                                                      const std::vector<std::shared_ptr<const archive::Proof>>& proofs,
                                                      archive::HashAlgorithm newer) {
  const auto algorithms = algorithms_needed(proofs, newer);
  std::vector<fs::path> files;
  for (const auto& document : documents) files.push_back(document.file);
  auto digests = archive::hash_files(files, algorithms, options.thread_count, progress_printer("hashing files"));
  if (!digests.ok()) return digests.status();
  std::vector<archive::Digest> newer_hashes;
  for (size_t index = 0; index < documents.size(); ++index) {
    archive::DocumentDigests document;
    for (size_t slot = 0; slot < algorithms.size(); ++slot) document[algorithms[slot]] = (*digests)[index][slot];
    auto check = archive::check_proof_offline(*proofs[index], document);
    if (!check.valid())
      return error(Code::invalid, "'" + documents[index].name + "' does not match its earlier proof (" +
                                      std::string(archive::verdict_name(check.verdict)) + ": " + check.reason + ")");
    newer_hashes.push_back((*digests)[index].front());
  }
  return newer_hashes;
}

int run_reanchor(const Context& context, const AnchorOptions& options) {
  auto algorithm = archive::algorithm_from_name(options.algorithm);
  if (!algorithm.ok()) return context.fail(algorithm.status(), "reading --algorithm");
  auto previous_batch_id = Hash::from_hex_string(options.previous_batch_hex);
  if (!previous_batch_id.ok()) return context.fail(previous_batch_id.status(), "reading --batch");
  Status label = archive::check_label(options.label);
  if (!label.ok()) return context.fail(label, "reading --label");
  auto documents = list_documents(options.inputs);
  if (!documents.ok()) return context.fail(documents.status(), "listing documents");
  auto proofs = read_earlier_proofs(options, *documents, *previous_batch_id);
  if (!proofs.ok()) return context.fail(proofs.status(), "reading the earlier proofs");
  auto paths = plan_proof_paths(options.out_dir, *documents);
  if (!paths.ok()) return context.fail(paths.status(), "preparing " + options.out_dir);
  auto hashes = hash_for_renewal(options, *documents, *proofs, *algorithm);
  if (!hashes.ok()) return context.fail(hashes.status(), "checking the documents against their earlier proofs");
  auto batch = archive::prepare_batch(*algorithm, std::move(*hashes), std::move(*proofs));
  if (!batch.ok()) return context.fail(batch.status(), "building the renewal tree");
  return anchor_and_write(context, options, *batch, *paths, *previous_batch_id);
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
    text += "\n  checked offline with the proof bundles the proof carries: the anchoring holds as of block " +
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

int run_verify(const Context& context, const VerifyOptions& options) {
  const std::string& document = options.document;
  const std::string& proof_file = options.proof_file;
  auto proof = archive::read_proof_file(proof_file);
  if (!proof.ok()) {
    archive::Verification malformed;
    malformed.verdict = archive::Verdict::proof_tampered;
    malformed.reason = proof.status().message();
    context.emit(verification_json(malformed), verification_text(malformed, document));
    return exit_failure;
  }
  const auto algorithms = archive::algorithms_of(*proof);
  auto digests = archive::hash_file(document, algorithms);
  if (!digests.ok()) return context.fail(digests.status(), "hashing the document");
  archive::DocumentDigests document_digests;
  for (size_t slot = 0; slot < algorithms.size(); ++slot) document_digests[algorithms[slot]] = (*digests)[slot];
  Result<archive::Verification> verification = error(Code::internal, "not verified");
  if (options.offline) {
    verification = verify_offline(context, options, *proof, document_digests);
  } else {
    auto node = context.client();
    if (!node.ok()) return context.fail(node.status(), "connecting");
    verification = archive::verify_proof(*node, *proof, document_digests);
  }
  if (!verification.ok()) return context.fail(verification.status(), "checking the proof");
  context.emit(verification_json(*verification), verification_text(*verification, document) + "\n");
  return verification->valid() ? exit_ok : exit_failure;
}

void add_batch_options(CLI::App& command, AnchorOptions& options) {
  command.add_option("--out", options.out_dir, "folder for the proof files (one per document)")->required();
  command.add_option("--label", options.label, "batch label on chain: printable ASCII, no personal data")
      ->capture_default_str();
  command.add_option("--municipality", options.municipality,
                     "municipality to anchor for (default: the one where the key holds the archive role)");
  command.add_option("--threads", options.thread_count, "hashing and writing threads (0: automatic)");
}

}  // namespace

void register_archive_commands(CLI::App& app, Context& context) {
  auto* group = app.add_subcommand("archive", "archive hashes: anchor document batches, verify, re-anchor");
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
  reanchor->add_option("--batch", options->previous_batch_hex, "the batch to re-anchor (64 hex)")->required();
  reanchor->add_option("--proofs", options->previous_proofs_dir, "the folder of that batch's proofs")->required();
  reanchor->add_option("--algorithm", options->algorithm, "the newer hash algorithm: sha3_256, sha512_256, sha256")
      ->required();
  add_batch_options(*reanchor, *options);
  reanchor->callback(context.action([&context, options] { return run_reanchor(context, *options); }));

  auto* verify = group->add_subcommand("verify", "verify a document with its proof file (no key needed)");
  auto verify_options = std::make_shared<VerifyOptions>();
  verify->add_option("document", verify_options->document, "the document file")->required();
  verify->add_option("proof", verify_options->proof_file, "its proof file")->required();
  verify->add_flag("--offline", verify_options->offline,
                   "use only the proof bundles the proof file carries; ask no node");
  verify->add_option("--anchor", verify_options->anchor_path,
                     "offline: trust anchor (or genesis) file to pin; default: --genesis, else the proof's own");
  verify->callback(context.action([&context, verify_options] { return run_verify(context, *verify_options); }));
}

}  // namespace govchain::cli
