// Local node processes of `govchain network up|down|status`: start a program
// detached (own session, stdin from /dev/null, stdout and stderr to a
// file), recognise it again by its command line, and stop it.
//
// Linux only (reads /proc). Keeps no state; single-threaded like the CLI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace govchain::cli {

// How start_detached() opens the file that gets the program's standard
// output and error.
enum class OutputFile { append, truncate };

// Starts `program` with `arguments` in a new session so that it outlives
// the CLI and ignores the terminal's signals; its standard output and error
// go to `output_path`. Returns its pid.
Result<int> start_detached(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                           const std::filesystem::path& output_path, OutputFile mode = OutputFile::append);

// True when `pid` is a live process (not a zombie) one of whose command-line
// arguments equals `argument`: a recycled pid of another program is not
// taken for the node.
bool process_running(int pid, const std::string& argument);

// For a child of this process: its exit code (128 + signal when killed) once
// it has ended (and reaps it), nullopt while it runs.
std::optional<int> child_exit_code(int pid);

// The pid in a pid file: Code::not_found when there is no file,
// Code::malformed when it holds no positive number.
Result<int> read_pid_file(const std::filesystem::path& path);

// A process to recognise by one of its command-line arguments.
struct WatchedProcess {
  int pid = 0;
  std::string argument;  // for example the node's config path
};

// Sends SIGTERM to every process, waits up to `timeout_ms` for all to end,
// then sends SIGKILL to those left and waits up to 5 s more. Returns the
// pids that had to be killed; Code::timeout names those still running.
Result<std::vector<int>> stop_processes(const std::vector<WatchedProcess>& processes, uint64_t timeout_ms);

// The last `lines_max` lines of a text file (for error messages).
std::string tail_of_file(const std::filesystem::path& path, size_t lines_max);

}  // namespace govchain::cli
