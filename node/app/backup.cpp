#include "app/backup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/signing_guard.h"
#include "chain/block_store.h"
#include "chain/genesis.h"
#include "core/version.h"
#include "crypto/hash.h"
#include "storage/format.h"
#include "storage/leveldb_store.h"

namespace govchain::app {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint32_t end_marker = 0xFFFFFFFF;
constexpr size_t request_size_bytes_max = 64;
constexpr size_t header_size_bytes_max = 4096;
constexpr size_t manifest_size_bytes_max = 64 * 1024;
// A key of the store is at most a prefix and a hash or two; a value at most
// a block or a contract's code. Larger lengths mean a damaged stream.
constexpr uint32_t key_size_bytes_max = 1024;
constexpr uint32_t value_size_bytes_max = 256u * 1024 * 1024;
constexpr size_t scan_page_entries = 1024;
constexpr size_t restore_batch_size_bytes = 4 * 1024 * 1024;
constexpr int socket_timeout_s = 60;
constexpr int progress_interval_ms = 2000;
constexpr const char* request_line = "backup 1\n";
constexpr const char* checksum_tag = "govchain/backup";

void put_u32(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

uint32_t get_u32(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
}

Status send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return error(Code::io_error, "the backup client went away or stopped reading");
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return Status();
}

void set_timeouts(int fd) {
  timeval timeout{socket_timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

Result<sockaddr_un> socket_address(const fs::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(address.sun_path))
    return error(Code::invalid_argument, "the admin socket path " + path.string() + " is longer than " +
                                             std::to_string(sizeof(address.sun_path) - 1) +
                                             " bytes; set admin_socket to a shorter path");
  std::memcpy(address.sun_path, path.c_str(), path.string().size());
  return address;
}

json head_to_json(const BackupHead& head) {
  return {{"chain_id", head.chain_id},
          {"genesis_hash", head.genesis_hash.hex()},
          {"height", head.height},
          {"block_hash", head.block_hash.hex()},
          {"state_root", head.state_root.hex()},
          {"storage_format_version", head.storage_format_version}};
}

Result<BackupHead> head_from_json(const json& value) {
  try {
    BackupHead head;
    head.chain_id = value.at("chain_id").get<std::string>();
    GOVCHAIN_ASSIGN_OR_RETURN(head.genesis_hash, Hash::from_hex_string(value.at("genesis_hash").get<std::string>()));
    head.height = value.at("height").get<uint64_t>();
    GOVCHAIN_ASSIGN_OR_RETURN(head.block_hash, Hash::from_hex_string(value.at("block_hash").get<std::string>()));
    GOVCHAIN_ASSIGN_OR_RETURN(head.state_root, Hash::from_hex_string(value.at("state_root").get<std::string>()));
    head.storage_format_version = value.at("storage_format_version").get<uint32_t>();
    return head;
  } catch (const std::exception& exception) {
    return error(Code::malformed, std::string("backup head: ") + exception.what());
  }
}

std::string mebibytes(uint64_t size_bytes) { return std::to_string(size_bytes / (1024 * 1024)) + " MiB"; }

// Calls `progress` at most every two seconds.
class ProgressClock {
 public:
  explicit ProgressClock(const ProgressLine& progress) : progress_(progress) {}
  void tick(const std::string& doing, uint64_t entries, uint64_t size_bytes) {
    auto now = std::chrono::steady_clock::now();
    if (!progress_ || now - last_ < std::chrono::milliseconds(progress_interval_ms)) return;
    last_ = now;
    progress_(doing + ": " + std::to_string(entries) + " entries, " + mebibytes(size_bytes));
  }

 private:
  const ProgressLine& progress_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Reads frames (key, value) until the end marker, from any exact reader.
class FrameReader {
 public:
  using ReadExact = std::function<Status(uint8_t*, size_t)>;
  explicit FrameReader(ReadExact read_exact) : read_exact_(std::move(read_exact)) {}

  // False at the end marker.
  Result<bool> next(Bytes& key, Bytes& value) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint32_t> key_size, read_length(key_size_bytes_max, "key"));
    if (!key_size) return false;
    key.resize(*key_size);
    GOVCHAIN_TRY(read_exact_(key.data(), key.size()));
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint32_t> value_size, read_length(value_size_bytes_max, "value"));
    if (!value_size) return error(Code::corruption, "the backup stream ends in the middle of an entry");
    value.resize(*value_size);
    GOVCHAIN_TRY(read_exact_(value.data(), value.size()));
    return true;
  }

 private:
  Result<std::optional<uint32_t>> read_length(uint32_t maximum, const char* what) {
    uint8_t bytes[4];
    GOVCHAIN_TRY(read_exact_(bytes, 4));
    uint32_t length = get_u32(bytes);
    if (length == end_marker) return std::optional<uint32_t>();
    if (length > maximum)
      return error(Code::corruption, std::string("a ") + what + " of " + std::to_string(length) +
                                         " bytes in the backup stream (at most " + std::to_string(maximum) + ")");
    return std::optional<uint32_t>(length);
  }
  ReadExact read_exact_;
};

Status write_frames(int fd, const storage::StoreSnapshot& snapshot, const std::atomic<bool>& stopping) {
  Bytes start;
  Bytes buffer;
  for (;;) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto page, snapshot.scan({}, start, scan_page_entries));
    for (const auto& entry : page) {
      put_u32(buffer, static_cast<uint32_t>(entry.key.size()));
      buffer.insert(buffer.end(), entry.key.begin(), entry.key.end());
      put_u32(buffer, static_cast<uint32_t>(entry.value.size()));
      buffer.insert(buffer.end(), entry.value.begin(), entry.value.end());
    }
    GOVCHAIN_TRY(send_all(fd, buffer.data(), buffer.size()));
    buffer.clear();
    if (stopping) return error(Code::unavailable, "the node is stopping");
    if (page.size() < scan_page_entries) break;
    start = page.back().key;
    start.push_back(0);
  }
  put_u32(buffer, end_marker);
  return send_all(fd, buffer.data(), buffer.size());
}

}  // namespace

// ---- the node's side ---------------------------------------------------------

Result<std::unique_ptr<BackupServer>> BackupServer::start(const fs::path& socket_path, OpenView open_view) {
  GOVCHAIN_ASSIGN_OR_RETURN(sockaddr_un address, socket_address(socket_path));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error(Code::io_error, "cannot create the admin socket");
  std::error_code ignored;
  fs::remove(socket_path, ignored);  // a stale socket of a previous run
  // The socket is made 0600 from the start (no window in which others could connect).
  mode_t previous = ::umask(0177);
  int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(previous);
  if (bound != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return error(Code::io_error,
                 "cannot listen on the admin socket " + socket_path.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<BackupServer>(new BackupServer(fd, socket_path, std::move(open_view)));
}

BackupServer::BackupServer(int listen_fd, fs::path socket_path, OpenView open_view)
    : listen_fd_(listen_fd), socket_path_(std::move(socket_path)), open_view_(std::move(open_view)) {
  thread_ = std::thread([this] { run(); });
}

BackupServer::~BackupServer() { stop(); }

void BackupServer::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  std::error_code ignored;
  fs::remove(socket_path_, ignored);
}

void BackupServer::run() {
  while (!stopping_) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    set_timeouts(client);
    serve(client);
    ::close(client);
  }
}

void BackupServer::serve(int client_fd) {
  char request[request_size_bytes_max] = {};
  ssize_t got = ::recv(client_fd, request, sizeof request - 1, 0);
  if (got <= 0 || std::string_view(request, static_cast<size_t>(got)) != request_line) {
    std::string answer = "error: unknown request; this node speaks '" + std::string("backup 1") + "'\n";
    (void)send_all(client_fd, reinterpret_cast<const uint8_t*>(answer.data()), answer.size());
    return;
  }
  auto view = open_view_();
  if (!view.ok()) {
    std::string answer = "error: " + view.status().to_string() + "\n";
    (void)send_all(client_fd, reinterpret_cast<const uint8_t*>(answer.data()), answer.size());
    return;
  }
  spdlog::info("backup: streaming a snapshot at height {}", view->head.height);
  std::string header = head_to_json(view->head).dump() + "\n";
  Status sent = send_all(client_fd, reinterpret_cast<const uint8_t*>(header.data()), header.size());
  if (sent.ok()) sent = write_frames(client_fd, *view->snapshot, stopping_);
  if (sent.ok())
    spdlog::info("backup: snapshot at height {} sent", view->head.height);
  else
    spdlog::warn("backup: stopped: {}", sent.to_string());
}

// ---- govchaind backup ---------------------------------------------------------

namespace {

class SocketReader {
 public:
  explicit SocketReader(int fd) : fd_(fd) {}
  Status read_exact(uint8_t* out, size_t size) {
    while (size > 0) {
      if (begin_ == end_) GOVCHAIN_TRY(fill());
      size_t take = std::min(size, end_ - begin_);
      std::memcpy(out, buffer_.data() + begin_, take);
      begin_ += take;
      out += take;
      size -= take;
    }
    return Status();
  }
  Result<std::string> read_line(size_t size_bytes_max) {
    std::string line;
    for (;;) {
      uint8_t byte = 0;
      GOVCHAIN_TRY(read_exact(&byte, 1));
      if (byte == '\n') return line;
      if (line.size() >= size_bytes_max) return error(Code::malformed, "the node's answer line is too long");
      line.push_back(static_cast<char>(byte));
    }
  }

 private:
  Status fill() {
    ssize_t got = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    if (got <= 0) return error(Code::io_error, "the node closed the backup stream early (see its log)");
    begin_ = 0;
    end_ = static_cast<size_t>(got);
    return Status();
  }
  int fd_;
  std::array<uint8_t, 1 << 16> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
};

Result<int> connect_to_node(const fs::path& socket_path) {
  GOVCHAIN_ASSIGN_OR_RETURN(sockaddr_un address, socket_address(socket_path));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error(Code::io_error, "cannot create a socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::string reason = std::strerror(errno);
    ::close(fd);
    return error(Code::unavailable, "cannot reach the node on its admin socket " + socket_path.string() + " (" +
                                        reason +
                                        "): is govchaind running with this data folder, and are you root "
                                        "or its user?");
  }
  set_timeouts(fd);
  return fd;
}

// Streams the node's frames into `out`, hashing them; returns entries and bytes.
Result<BackupReport> receive_frames(SocketReader& reader, std::ofstream& out, crypto::TaggedHasher& hasher,
                                    const ProgressLine& progress) {
  BackupReport report;
  FrameReader frames([&](uint8_t* data, size_t size) { return reader.read_exact(data, size); });
  ProgressClock clock(progress);
  Bytes key;
  Bytes value;
  Bytes frame;
  for (;;) {
    GOVCHAIN_ASSIGN_OR_RETURN(bool more, frames.next(key, value));
    frame.clear();
    put_u32(frame, more ? static_cast<uint32_t>(key.size()) : end_marker);
    if (more) {
      frame.insert(frame.end(), key.begin(), key.end());
      put_u32(frame, static_cast<uint32_t>(value.size()));
      frame.insert(frame.end(), value.begin(), value.end());
    }
    out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    hasher.update(frame);
    report.size_bytes += frame.size();
    if (!more) break;
    ++report.entries;
    clock.tick("backup", report.entries, report.size_bytes);
  }
  if (!out.flush()) return error(Code::io_error, "cannot write the backup's store.kv (disk full?)");
  return report;
}

Status sync_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(Code::io_error, "cannot open " + path.string() + " to sync it");
  int synced = ::fsync(fd);
  ::close(fd);
  return synced == 0 ? Status() : error(Code::io_error, "cannot sync " + path.string());
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) return error(Code::io_error, "cannot write " + path.string());
  file.close();
  return sync_file(path);
}

}  // namespace

Result<BackupReport> write_backup(const fs::path& socket_path, const fs::path& out_dir, const fs::path& genesis_path,
                                  const ProgressLine& progress) {
  std::error_code error_code;
  if (fs::exists(out_dir, error_code))
    return error(Code::already_exists, out_dir.string() + " exists; name a new folder for the backup");
  fs::path partial = out_dir;
  partial += ".partial";
  fs::remove_all(partial, error_code);
  if (!fs::create_directory(partial, error_code))
    return error(Code::io_error, "cannot create " + partial.string() + ": " + error_code.message());
  fs::permissions(partial, fs::perms::owner_all, error_code);
  GOVCHAIN_ASSIGN_OR_RETURN(int fd, connect_to_node(socket_path));
  SocketReader reader(fd);
  Status asked = send_all(fd, reinterpret_cast<const uint8_t*>(request_line), std::strlen(request_line));
  auto header = asked.ok() ? reader.read_line(header_size_bytes_max) : Result<std::string>(asked);
  if (!header.ok()) {
    ::close(fd);
    return header.status();
  }
  if (header->rfind("error: ", 0) == 0) {
    ::close(fd);
    return error(Code::unavailable, "the node refused the backup: " + header->substr(7));
  }
  json head_json = json::parse(*header, nullptr, false);
  auto head = head_json.is_discarded() ? Result<BackupHead>(error(Code::malformed, "the node's answer is not JSON"))
                                       : head_from_json(head_json);
  if (!head.ok()) {
    ::close(fd);
    return head.status();
  }
  if (progress) progress("backup of chain " + head->chain_id + " at height " + std::to_string(head->height));
  std::ofstream out(partial / "store.kv", std::ios::binary | std::ios::trunc);
  crypto::TaggedHasher hasher(checksum_tag);
  auto report = receive_frames(reader, out, hasher, progress);
  ::close(fd);
  out.close();
  if (!report.ok()) return report.status();
  report->head = *head;
  GOVCHAIN_TRY(sync_file(partial / "store.kv"));
  fs::copy_file(genesis_path, partial / "genesis.json", error_code);
  if (error_code) return error(Code::io_error, "cannot copy the genesis " + genesis_path.string());
  json manifest = {{"format", "govchain-backup"},
                   {"format_version", backup_format_version},
                   {"created_by", std::string(version_text())},
                   {"head", head_to_json(*head)},
                   {"entries", report->entries},
                   {"size_bytes", report->size_bytes},
                   {"checksum", hasher.finish().hex()},
                   {"checksum_of", "store.kv, tagged hash govchain/backup"},
                   {"includes_private_keys", false}};
  GOVCHAIN_TRY(write_text(partial / "manifest.json", manifest.dump(2) + "\n"));
  fs::rename(partial, out_dir, error_code);
  if (error_code) return error(Code::io_error, "cannot rename " + partial.string() + ": " + error_code.message());
  return report;
}

// ---- govchaind restore --------------------------------------------------------

namespace {

struct Manifest {
  BackupHead head;
  uint64_t entries = 0;
  uint64_t size_bytes = 0;
  Hash checksum;
};

Result<Manifest> read_manifest(const fs::path& backup_dir) {
  const fs::path path = backup_dir / "manifest.json";
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::not_found, "no manifest.json in " + backup_dir.string() + ": not a govchain backup");
  std::string text(manifest_size_bytes_max + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > manifest_size_bytes_max) return error(Code::corruption, path.string() + " is too large");
  json value = json::parse(text, nullptr, false);
  const std::string damaged = path.string() + " is damaged or not a govchain backup manifest";
  if (value.is_discarded() || !value.is_object() || value.value("format", "") != "govchain-backup")
    return error(Code::corruption, damaged);
  try {
    uint32_t version = value.at("format_version").get<uint32_t>();
    if (version > backup_format_version)
      return error(Code::invalid, "the backup has format " + std::to_string(version) + "; this govchaind reads " +
                                      std::to_string(backup_format_version) +
                                      " at most: restore it with the version "
                                      "that made it (" +
                                      value.value("created_by", "?") + ") or newer");
    Manifest manifest;
    GOVCHAIN_ASSIGN_OR_RETURN(manifest.head, head_from_json(value.at("head")));
    manifest.entries = value.at("entries").get<uint64_t>();
    manifest.size_bytes = value.at("size_bytes").get<uint64_t>();
    GOVCHAIN_ASSIGN_OR_RETURN(manifest.checksum, Hash::from_hex_string(value.at("checksum").get<std::string>()));
    return manifest;
  } catch (const std::exception& exception) {
    return error(Code::corruption, damaged + " (" + exception.what() + ")");
  }
}

Status check_chain(const Manifest& manifest, const RestoreTarget& target) {
  std::ifstream file(target.genesis_path, std::ios::binary);
  if (!file)
    return error(Code::not_found, "cannot read this node's genesis " + target.genesis_path.string() +
                                      " (the backup's genesis.json is a copy; check it before putting it there)");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Genesis genesis, chain::parse_genesis(text));
  if (manifest.head.chain_id != genesis.chain_id || manifest.head.genesis_hash != chain::genesis_hash(genesis))
    return error(Code::wrong_chain, "the backup is of chain '" + manifest.head.chain_id + "' (genesis " +
                                        manifest.head.genesis_hash.hex() + "), but this node runs chain '" +
                                        genesis.chain_id + "' (genesis " + chain::genesis_hash(genesis).hex() +
                                        "): refusing to restore another chain's data");
  if (manifest.head.storage_format_version > storage_format_version)
    return error(Code::invalid, "the backup holds storage format " +
                                    std::to_string(manifest.head.storage_format_version) + "; this govchaind reads " +
                                    std::to_string(storage_format_version) + " at most");
  return Status();
}

// Reads store.kv through, calling `on_entry` for each entry; checks the
// count, the size and the checksum against the manifest at the end.
Status read_store_file(const fs::path& backup_dir, const Manifest& manifest, const ProgressLine& progress,
                       const std::string& doing, const std::function<Status(const Bytes&, const Bytes&)>& on_entry) {
  const fs::path path = backup_dir / "store.kv";
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::not_found, "no store.kv in " + backup_dir.string());
  crypto::TaggedHasher hasher(checksum_tag);
  uint64_t size_bytes = 0;
  FrameReader frames([&](uint8_t* data, size_t size) -> Status {
    file.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(size));
    if (static_cast<size_t>(file.gcount()) != size)
      return error(Code::corruption, path.string() + " ends early: the backup is incomplete or damaged");
    hasher.update(ByteView(data, size));
    size_bytes += size;
    return Status();
  });
  ProgressClock clock(progress);
  uint64_t entries = 0;
  Bytes key;
  Bytes value;
  for (;;) {
    GOVCHAIN_ASSIGN_OR_RETURN(bool more, frames.next(key, value));
    if (!more) break;
    GOVCHAIN_TRY(on_entry(key, value));
    clock.tick(doing, ++entries, size_bytes);
  }
  if (file.peek() != std::char_traits<char>::eof())
    return error(Code::corruption, path.string() + " has bytes after its end marker: the backup is damaged");
  if (entries != manifest.entries || size_bytes != manifest.size_bytes || hasher.finish() != manifest.checksum)
    return error(Code::corruption, "the backup in " + backup_dir.string() +
                                       " is damaged: store.kv does not match the checksum, size or entry count of "
                                       "manifest.json");
  return Status();
}

Status check_restored_head(storage::KeyValueStore& store, const Manifest& manifest) {
  chain::BlockStore blocks(store);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks.latest_height());
  if (!latest || *latest != manifest.head.height)
    return error(Code::corruption,
                 "the restored database does not end at the manifest's height " + std::to_string(manifest.head.height));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks.block(*latest));
  if (chain::block_hash(block.header) != manifest.head.block_hash ||
      block.header.state_root != manifest.head.state_root)
    return error(Code::corruption, "the restored block " + std::to_string(*latest) +
                                       " differs from the manifest's block hash or state root");
  return storage::check_storage_format(store, storage_format_version, "(restored)");
}

Status rebuild_database(const fs::path& backup_dir, const Manifest& manifest, const fs::path& database_dir,
                        const ProgressLine& progress) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto store, storage::open_leveldb_store(database_dir.string()));
  storage::WriteBatch batch;
  Status read = read_store_file(backup_dir, manifest, progress, "restore", [&](const Bytes& key, const Bytes& value) {
    batch.put(key, value);
    if (batch.size_bytes() < restore_batch_size_bytes) return Status();
    Status written = store->write(batch, false);
    batch.clear();
    return written;
  });
  GOVCHAIN_TRY(read);
  GOVCHAIN_TRY(store->write(batch, true));
  GOVCHAIN_TRY(check_restored_head(*store, manifest));
  return store->close();
}

}  // namespace

Result<BackupReport> restore_backup(const fs::path& backup_dir, const RestoreTarget& target,
                                    const ProgressLine& progress) {
  GOVCHAIN_ASSIGN_OR_RETURN(Manifest manifest, read_manifest(backup_dir));
  GOVCHAIN_TRY(check_chain(manifest, target));
  const fs::path database_dir = target.data_dir / "db";
  std::error_code error_code;
  if (fs::exists(database_dir, error_code))
    return error(Code::already_exists, database_dir.string() +
                                           " exists: stop the node and move the old database "
                                           "away first (restore never overwrites one)");
  if (progress) progress("checking the backup (checksum of store.kv)");
  GOVCHAIN_TRY(
      read_store_file(backup_dir, manifest, progress, "check", [](const Bytes&, const Bytes&) { return Status(); }));
  fs::create_directories(target.data_dir, error_code);
  const fs::path restoring = target.data_dir / "db.restoring";
  fs::remove_all(restoring, error_code);
  Status rebuilt = rebuild_database(backup_dir, manifest, restoring, progress);
  if (!rebuilt.ok()) {
    fs::remove_all(restoring, error_code);
    return rebuilt;
  }
  json marker = {{"restored_from", fs::absolute(backup_dir).string()},
                 {"height", manifest.head.height},
                 {"block_hash", manifest.head.block_hash.hex()}};
  GOVCHAIN_TRY(write_text(target.data_dir / restore_marker_name, marker.dump(2) + "\n"));
  fs::rename(restoring, database_dir, error_code);
  if (error_code) return error(Code::io_error, "cannot rename " + restoring.string() + ": " + error_code.message());
  return BackupReport{manifest.head, manifest.entries, manifest.size_bytes};
}

}  // namespace govchain::app
