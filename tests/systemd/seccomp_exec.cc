// seccomp_exec: runs a command under a system-call allow-list, the way systemd applies
// SystemCallFilter= to a unit, so that tests can run freshd under the filter of
// systemd/freshd.service on machines where systemd is not PID 1 (tests/systemd/check_seccomp.sh
// derives the list from the unit).
//
//   seccomp_exec [--action kill|trap|ERRNO] [--verbose] ALLOWED_FILE COMMAND [ARG...]
//
// ALLOWED_FILE lists system-call names, one a line (blank lines and lines starting with '#' are
// skipped, as are names that do not exist on this architecture). Any other system call kills the
// process with SIGSYS (kill, the default: a unit without SystemCallErrorNumber=), fails with
// the error ERRNO, a name such as EPERM or a number (SystemCallErrorNumber=ERRNO), or raises
// SIGSYS in the calling thread (trap: for diagnosis, as a tracer such as strace then prints the
// call's name in the signal's si_syscall).
// The filter covers the native architecture only; a system call made through another ABI kills
// the process (SystemCallArchitectures=native). NO_NEW_PRIVS is set, then COMMAND is executed
// (looked up in PATH) with the filter in place.
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

namespace {

constexpr int kUsageError = 125;  // like env(1) and chroot(1): the launcher itself failed

void Usage() {
  std::fputs(
      "usage: seccomp_exec [--action kill|trap|ERRNO] [--verbose] ALLOWED_FILE COMMAND "
      "[ARG...]\n",
      stderr);
}

// The libseccomp action for "kill", "trap", an errno name ("EPERM") or number ("1"), and its
// description; false for anything else.
bool ParseAction(std::string_view text, uint32_t& action, std::string& description) {
  if (text == "kill") {
    action = SCMP_ACT_KILL_PROCESS;
    description = "kills the process (SIGSYS)";
    return true;
  }
  if (text == "trap") {
    action = SCMP_ACT_TRAP;
    description = "raises SIGSYS";
    return true;
  }
  int number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool is_number = ec == std::errc() && end == text.data() + text.size();
  for (int candidate = 1; candidate < 4096; ++candidate) {
    const char* name = strerrorname_np(candidate);
    if (name != nullptr && (is_number ? number == candidate : text == name)) {
      action = SCMP_ACT_ERRNO(static_cast<uint32_t>(candidate));
      description = std::string("fails with ") + name;
      return true;
    }
  }
  return false;
}

std::string Trim(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t default_action = SCMP_ACT_KILL_PROCESS;
  std::string description = "kills the process (SIGSYS)";
  bool verbose = false;
  int arg = 1;
  for (; arg < argc && argv[arg][0] == '-'; ++arg) {
    const std::string_view option = argv[arg];
    if (option == "--action" && arg + 1 < argc) {
      if (!ParseAction(argv[++arg], default_action, description)) {
        std::fprintf(stderr, "seccomp_exec: unknown action '%s'\n", argv[arg]);
        return kUsageError;
      }
    } else if (option == "--verbose") {
      verbose = true;
    } else if (option == "--") {
      ++arg;
      break;
    } else {
      Usage();
      return kUsageError;
    }
  }
  if (argc - arg < 2) {
    Usage();
    return kUsageError;
  }
  const char* list_path = argv[arg];
  char** command = argv + arg + 1;

  std::ifstream list(list_path);
  if (!list) {
    std::fprintf(stderr, "seccomp_exec: cannot read %s: %s\n", list_path, std::strerror(errno));
    return kUsageError;
  }

  scmp_filter_ctx ctx = seccomp_init(default_action);
  if (ctx == nullptr) {
    std::fputs("seccomp_exec: seccomp_init failed\n", stderr);
    return kUsageError;
  }
  // Only the native architecture is in the context; anything else is killed.
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
  if (rc != 0) {
    std::fprintf(stderr, "seccomp_exec: seccomp_attr_set: %s\n", std::strerror(-rc));
    seccomp_release(ctx);
    return kUsageError;
  }

  int allowed = 0;
  int skipped = 0;
  for (std::string line; std::getline(list, line);) {
    const std::string name = Trim(line);
    if (name.empty() || name[0] == '#') continue;
    const int number = seccomp_syscall_resolve_name(name.c_str());
    // Unknown to libseccomp, or a pseudo-number: not a system call of this architecture.
    if (number == __NR_SCMP_ERROR || number < 0) {
      ++skipped;
      continue;
    }
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, number, 0);
    if (rc == -EDOM) {  // not on this architecture after all
      ++skipped;
      continue;
    }
    if (rc != 0) {
      std::fprintf(stderr, "seccomp_exec: cannot allow %s: %s\n", name.c_str(), std::strerror(-rc));
      seccomp_release(ctx);
      return kUsageError;
    }
    ++allowed;
  }
  if (allowed == 0) {
    std::fprintf(stderr, "seccomp_exec: %s allows no system call of this architecture\n",
                 list_path);
    seccomp_release(ctx);
    return kUsageError;
  }
  if (verbose) {
    std::fprintf(stderr,
                 "seccomp_exec: %d system calls allowed (%d names not on this architecture); "
                 "any other %s\n",
                 allowed, skipped, description.c_str());
  }

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    std::fprintf(stderr, "seccomp_exec: PR_SET_NO_NEW_PRIVS: %s\n", std::strerror(errno));
    seccomp_release(ctx);
    return kUsageError;
  }
  rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) {
    std::fprintf(stderr, "seccomp_exec: seccomp_load: %s\n", std::strerror(-rc));
    return kUsageError;
  }
  execvp(command[0], command);
  // Only reached when execve itself failed (or was filtered, with an errno action).
  std::fprintf(stderr, "seccomp_exec: cannot execute %s: %s\n", command[0], std::strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
