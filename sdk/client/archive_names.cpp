// The names file beside a batch file (archive_batch.h; docs/archive.md
// section 5.4): the documents' names, which stay on the archive's machine.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "client/archive_batch.h"
#include "client/archive_internal.h"
#include "client/keys.h"
#include "crypto/schnorr.h"

namespace govchain::client::archive {

using namespace internal;

namespace {

constexpr std::string_view names_format = "govchain-archive-names";
constexpr size_t name_size_bytes_max = 4096;

std::string names_first_line(const Hash& batch_id, uint64_t document_count) {
  return std::string(names_format) + " 1 " + batch_id.hex() + " " + std::to_string(document_count);
}

// What every name must be; `code` is the caller's (a bad argument when
// writing, a malformed file when reading).
Status check_name(std::string_view name, uint64_t leaf, Code code) {
  const std::string where = "the name of leaf " + std::to_string(leaf) + " ('" + std::string(name) + "')";
  if (name.empty() || name.size() > name_size_bytes_max) return error(code, where + " is empty or too long");
  if (name.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos)
    return error(code, where + " holds a line break or NUL; rename the file");
  const std::filesystem::path path(name);
  if (path.is_absolute() || name.front() == '/') return error(code, where + " is an absolute path");
  for (const auto& part : path)
    if (part == "..") return error(code, where + " leaves its folder ('..')");
  return Status();
}

}  // namespace

std::filesystem::path names_file_path(const std::filesystem::path& batch_file) {
  return std::filesystem::path(batch_file.string() + ".names");
}

Result<std::string> names_file_text(const Hash& batch_id, uint64_t document_count,
                                    const std::vector<std::string>& names) {
  if (names.size() != document_count) return error(Code::invalid_argument, "one name per document is needed");
  std::string text = names_first_line(batch_id, document_count) + "\n";
  std::set<std::string_view> seen;
  for (uint64_t leaf = 0; leaf < names.size(); ++leaf) {
    GOVCHAIN_TRY(check_name(names[leaf], leaf, Code::invalid_argument));
    if (!seen.insert(names[leaf]).second)
      return error(Code::invalid_argument, "two documents are named '" + names[leaf] + "'");
    text += names[leaf] + "\n";
  }
  return text;
}

Result<std::vector<std::string>> parse_names_file(std::string_view text, const BatchHeader& header) {
  auto next_line = [&text]() -> std::optional<std::string_view> {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    return line;
  };
  auto first = next_line();
  if (!first || *first != names_first_line(header.batch_id, header.document_count))
    return error(Code::malformed, "not the names file of batch " + header.batch_id.hex() + " with " +
                                      std::to_string(header.document_count) + " documents");
  std::vector<std::string> names;
  std::set<std::string_view> seen;
  for (uint64_t leaf = 0; leaf < header.document_count; ++leaf) {
    auto line = next_line();
    if (!line) return error(Code::malformed, "it ends before the name of leaf " + std::to_string(leaf));
    GOVCHAIN_TRY(check_name(*line, leaf, Code::malformed));
    if (!seen.insert(*line).second) return error(Code::malformed, "two leaves are named '" + std::string(*line) + "'");
    names.emplace_back(*line);
  }
  if (!text.empty()) return error(Code::malformed, "it has more lines than the batch has documents");
  return names;
}

Status write_names_file(const std::filesystem::path& path, const Hash& batch_id, uint64_t document_count,
                        const std::vector<std::string>& names) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, names_file_text(batch_id, document_count, names));
  std::error_code failure;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, failure)))
    return error(Code::already_exists, path.string() + " exists already");
  const auto temporary =
      folder_of(path) / ("." + path.filename().string() + ".tmp-" + crypto::random_32().hex().substr(0, 16));
  int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (descriptor < 0) return error(Code::io_error, "cannot create " + temporary.string() + ": " + std::strerror(errno));
  Status written = write_all(descriptor, to_bytes(text), temporary.string());
  if (written.ok() && ::fsync(descriptor) != 0) written = error(Code::io_error, "cannot sync " + temporary.string());
  ::close(descriptor);
  if (written.ok()) written = rename_no_replace(temporary, path);
  if (!written.ok()) {
    ::unlink(temporary.c_str());
    return written;
  }
  return sync_directory(folder_of(path));
}

Result<std::vector<std::string>> read_names_file(const std::filesystem::path& path, const BatchHeader& header) {
  const uint64_t size_bytes_max = 256 + header.document_count * (name_size_bytes_max + 1);
  auto text = read_small_file(path.string(), static_cast<size_t>(std::min<uint64_t>(size_bytes_max, 1ULL << 32)));
  if (!text.ok()) return text.status();
  auto names = parse_names_file(*text, header);
  if (!names.ok()) return names.status().with_context(path.string());
  return names;
}

}  // namespace govchain::client::archive
