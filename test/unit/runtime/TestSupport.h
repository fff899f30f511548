//===- TestSupport.h - Processes, servers and files for runtime tests -----===//
#ifndef FUSIONIZE_TEST_SUPPORT_H
#define FUSIONIZE_TEST_SUPPORT_H

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fz_test {

/// A child process with extra environment variables; stderr is captured.
/// Killed (SIGKILL) if still running when destroyed.
class child_process {
public:
  child_process(std::vector<std::string> argv,
                const std::map<std::string, std::string> &env) {
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(err[1], 2);
      for (const auto &[k, v] : env)
        setenv(k.c_str(), v.c_str(), 1);
      std::vector<char *> args;
      for (auto &a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(err[1]);
    stderr_ = err[0];
  }
  ~child_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stderr_ >= 0)
      close(stderr_);
  }
  child_process(const child_process &) = delete;
  child_process &operator=(const child_process &) = delete;

  pid_t pid() const { return pid_; }

  /// Reads stderr until `needle` shows up or the stream ends; a guard
  /// against hanging, not a timing expectation.
  bool wait_for_stderr(const std::string &needle, int guard_ms = 30000) {
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(guard_ms);
    while (stderr_text_.find(needle) == std::string::npos) {
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         until - std::chrono::steady_clock::now())
                         .count());
      if (left <= 0)
        return false;
      pollfd p{stderr_, POLLIN, 0};
      if (poll(&p, 1, left) <= 0)
        return false;
      char buf[4096];
      ssize_t n = read(stderr_, buf, sizeof buf);
      if (n <= 0)
        return stderr_text_.find(needle) != std::string::npos;
      stderr_text_.append(buf, std::size_t(n));
    }
    return true;
  }
  /// Everything read from stderr so far (call drain_stderr() first to get
  /// the rest once the process has exited).
  const std::string &stderr_text() const { return stderr_text_; }
  void drain_stderr() {
    char buf[4096];
    ssize_t n;
    while ((n = read(stderr_, buf, sizeof buf)) > 0)
      stderr_text_.append(buf, std::size_t(n));
  }

  void signal(int sig) { kill(pid_, sig); }
  /// Waits for the exit; the exit status, or 128 + signal.
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    drain_stderr();
    if (WIFEXITED(status))
      return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

private:
  pid_t pid_ = -1;
  int stderr_ = -1;
  bool exited_ = false;
  std::string stderr_text_;
};

/// An httplib server on a free loopback port, listening on its own thread.
class test_server {
public:
  httplib::Server server;
  int port = 0;

  void start() {
    server.set_tcp_nodelay(true);
    port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0)
      throw std::runtime_error("cannot bind a test server");
    thread_ = std::thread([this] { server.listen_after_bind(); });
    // httplib's stop() does nothing before the server runs.
    while (!server.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  ~test_server() {
    server.stop();
    if (thread_.joinable())
      thread_.join();
  }

private:
  std::thread thread_;
};

/// A scratch file path, removed at destruction.
class temp_file {
public:
  explicit temp_file(const std::string &stem) {
    std::string tmpl = "/tmp/fusionize-test-" + stem + "-XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0)
      throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = tmpl;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  const std::string &path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

private:
  std::string path_;
};

/// Every span in an OTLP/JSON lines file (or text), flattened; each gets
/// "resource" (the resource attributes as an object) and "attrs" (its
/// attributes as an object, values decoded) added.
inline std::vector<nlohmann::json> parse_spans(const std::string &text) {
  using nlohmann::json;
  auto flatten = [](const json &attrs) {
    json out = json::object();
    for (const auto &a : attrs) {
      const json &v = a["value"];
      if (v.contains("stringValue"))
        out[a["key"].get<std::string>()] = v["stringValue"];
      else if (v.contains("intValue"))
        out[a["key"].get<std::string>()] =
            std::stoll(v["intValue"].get<std::string>());
      else if (v.contains("boolValue"))
        out[a["key"].get<std::string>()] = v["boolValue"];
      else if (v.contains("doubleValue"))
        out[a["key"].get<std::string>()] = v["doubleValue"];
    }
    return out;
  };
  std::vector<json> spans;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    json doc = json::parse(line);
    for (const auto &rs : doc.at("resourceSpans")) {
      json resource = flatten(rs["resource"]["attributes"]);
      for (const auto &ss : rs.at("scopeSpans"))
        for (json span : ss.at("spans")) {
          span["resource"] = resource;
          span["attrs"] = flatten(span["attributes"]);
          spans.push_back(std::move(span));
        }
    }
  }
  return spans;
}

/// Runs a shell command; its stdout.
inline std::string run_command(const std::string &command) {
  std::string out;
  FILE *p = popen(command.c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  pclose(p);
  return out;
}

} // namespace fz_test

#endif // FUSIONIZE_TEST_SUPPORT_H
