#include "node_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

namespace govchain::cli {

namespace fs = std::filesystem;

Result<int> start_detached(const fs::path& program, const std::vector<std::string>& arguments,
                           const fs::path& output_path, OutputFile mode) {
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed.
  std::vector<std::string> words = {program.string()};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == OutputFile::truncate ? O_TRUNC : O_APPEND);
  int log_fd = ::open(output_path.c_str(), flags, 0644);
  if (log_fd < 0) return error(Code::io_error, "cannot open " + output_path.string() + ": " + std::strerror(errno));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    return error(Code::io_error, std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static constexpr char message[] = "govchain network: cannot execute the node program\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0)
    return error(Code::resource_exhausted, std::string("cannot start a process: ") + std::strerror(fork_errno));
  return static_cast<int>(pid);
}

// The process state letter from /proc/PID/stat ('Z' for a zombie), or 0.
static char process_state(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return 0;
  return text[paren + 2];
}

bool process_running(int pid, const std::string& argument) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  char state = process_state(pid);
  if (state == 0 || state == 'Z' || state == 'X') return false;
  std::ifstream file("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string command_line((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::stringstream words(command_line);
  for (std::string word; std::getline(words, word, '\0');)
    if (word == argument) return true;
  return false;
}

std::optional<int> child_exit_code(int pid) {
  int wait_status = 0;
  pid_t ended = ::waitpid(pid, &wait_status, WNOHANG);
  if (ended != pid) return std::nullopt;
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 0;
}

Result<int> read_pid_file(const fs::path& path) {
  std::ifstream file(path);
  if (!file) return error(Code::not_found, "no pid file " + path.string());
  long long pid = 0;
  if (!(file >> pid) || pid <= 0 || pid > 0x3fffffff)
    return error(Code::malformed, path.string() + " holds no process id");
  return static_cast<int>(pid);
}

// Waits until none of `processes` runs or `timeout_ms` passed; returns those left.
static std::vector<WatchedProcess> wait_for_end(std::vector<WatchedProcess> processes, uint64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    for (const auto& process : processes) child_exit_code(process.pid);  // reaps our own children, if any
    std::erase_if(processes,
                  [](const WatchedProcess& process) { return !process_running(process.pid, process.argument); });
    if (processes.empty() || std::chrono::steady_clock::now() >= deadline) return processes;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::vector<int>> stop_processes(const std::vector<WatchedProcess>& processes, uint64_t timeout_ms) {
  for (const auto& process : processes) ::kill(process.pid, SIGTERM);
  std::vector<WatchedProcess> stubborn = wait_for_end(processes, timeout_ms);
  std::vector<int> killed;
  for (const auto& process : stubborn) {
    ::kill(process.pid, SIGKILL);
    killed.push_back(process.pid);
  }
  std::vector<WatchedProcess> left = wait_for_end(stubborn, 5000);
  if (!left.empty()) {
    std::string listed;
    for (const auto& process : left) listed += (listed.empty() ? "" : ", ") + std::to_string(process.pid);
    return error(Code::timeout, "process(es) " + listed + " still run after SIGKILL");
  }
  return killed;
}

std::string tail_of_file(const fs::path& path, size_t lines_max) {
  std::ifstream file(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > lines_max) lines.pop_front();
  }
  std::string text;
  for (const auto& line : lines) text += "    " + line + "\n";
  return text;
}

}  // namespace govchain::cli
