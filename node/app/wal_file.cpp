#include "app/wal_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace govchain::app {

namespace {

class PosixWalFile final : public WalFile {
 public:
  PosixWalFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWalFile() override { ::close(fd_); }
  PosixWalFile(const PosixWalFile&) = delete;
  PosixWalFile& operator=(const PosixWalFile&) = delete;

  Result<Bytes> read_all() override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return failed("stat");
    Bytes contents(static_cast<size_t>(info.st_size));
    size_t read_total = 0;
    while (read_total < contents.size()) {
      ssize_t got =
          ::pread(fd_, contents.data() + read_total, contents.size() - read_total, static_cast<off_t>(read_total));
      if (got <= 0) return failed("read");
      read_total += static_cast<size_t>(got);
    }
    return contents;
  }

  Status truncate(size_t size_bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(size_bytes), SEEK_SET) < 0 || ::fdatasync(fd_) != 0)
      return failed("truncate");
    return Status();
  }

  Status append_synced(ByteView bytes) override {
    size_t written = 0;
    while (written < bytes.size()) {
      ssize_t wrote = ::write(fd_, bytes.data() + written, bytes.size() - written);
      if (wrote <= 0) return failed("append to");
      written += static_cast<size_t>(wrote);
    }
    if (::fdatasync(fd_) != 0) return failed("sync");
    return Status();
  }

 private:
  Status failed(std::string_view doing) const {
    return error(Code::io_error, "cannot " + std::string(doing) + " " + path_.string());
  }
  int fd_;
  std::filesystem::path path_;
};

}  // namespace

Result<std::shared_ptr<WalFile>> open_wal_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return error(Code::io_error, "cannot open " + path.string());
  std::shared_ptr<WalFile> file = std::make_shared<PosixWalFile>(fd, path);
  return file;
}

Status MemoryWalFile::truncate(size_t size_bytes) {
  if (size_bytes < contents.size()) contents.resize(size_bytes);
  return Status();
}

Status MemoryWalFile::append_synced(ByteView bytes) {
  if (fail_appends) return error(Code::io_error, "the in-memory WAL refuses appends (test)");
  if (tear_next_append_at) {
    size_t kept = std::min(*tear_next_append_at, bytes.size());
    tear_next_append_at.reset();
    contents.insert(contents.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(kept));
    return error(Code::io_error, "the in-memory WAL tore an append (test)");
  }
  contents.insert(contents.end(), bytes.begin(), bytes.end());
  return Status();
}

Result<ConsensusWal::Opened> ConsensusWal::open() {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes contents, file_->read_all());
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::WalContents wal, consensus::read_wal(contents));
  GOVCHAIN_TRY(file_->truncate(wal.valid_size_bytes));
  return Opened{std::move(wal.records), wal.torn_tail_dropped};
}

Status ConsensusWal::append(const consensus::WalRecord& record) {
  return file_->append_synced(consensus::encode_wal_frame(record));
}

Status ConsensusWal::clear() { return file_->truncate(0); }

}  // namespace govchain::app
