// The broker's relay, whole-process (not a test; nothing here asserts a figure): a real
// `codex-companion broker serve` in front of bench/flood_app_server, clients on its socket.
//   relay throughput   notifications/s from the app-server to 1 and to 8 clients
//   added latency      one-way app-server -> client through the broker, minus the same read
//                      straight off the app-server's stdout (p50, p99)
//   broker RSS         idle after start, and its peak (VmHWM) after the load
//
//   build/release/bench/relay_bench --bin build/release/codex-companion
//       --app-server build/release/bench/flood_app_server [--notifications 400000]
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Lines over a pair of descriptors (a socket, or a child's pipes).
class Lines {
 public:
  Lines(int in, int out) : in_(in), out_(out) {}
  void send(const nlohmann::json& message) {
    std::string line = message.dump() + "\n";
    for (size_t done = 0; done < line.size();) {
      ssize_t n = ::write(out_, line.data() + done, line.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
  }
  // The next line; empty at the end of the stream.
  std::string next() {
    for (;;) {
      size_t newline = buffer_.find('\n', start_);
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(start_, newline - start_);
        start_ = newline + 1;
        return line;
      }
      buffer_.erase(0, start_);
      start_ = 0;
      char chunk[1 << 16];
      ssize_t n = ::read(in_, chunk, sizeof chunk);
      if (n <= 0) return {};
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  // Reads until the response to `id`; returns it.
  nlohmann::json answer(int id) {
    for (std::string line = next(); !line.empty(); line = next()) {
      auto message = nlohmann::json::parse(line, nullptr, false);
      if (message.is_object() && message.contains("id") && message["id"] == id &&
          !message.contains("method")) {
        return message;
      }
    }
    return nullptr;
  }
  void close() {
    ::close(in_);
    if (out_ != in_) ::close(out_);
  }

 private:
  int in_, out_;
  std::string buffer_;
  size_t start_ = 0;
};

int connect_socket(const std::string& path) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
    ::close(fd);
    usleep(10000);
  }
  std::fprintf(stderr, "cannot connect to %s\n", path.c_str());
  std::exit(1);
}

// initialize and thread/start; returns the thread id.
std::string open_thread(Lines& c) {
  c.send({{"id", 1}, {"method", "initialize"}, {"params", nlohmann::json::object()}});
  c.answer(1);
  c.send({{"id", 2}, {"method", "thread/start"}, {"params", {{"cwd", "/tmp"}}}});
  return c.answer(2)["result"]["thread"]["id"].get<std::string>();
}

void start_turn(Lines& c, const std::string& thread, const std::string& prompt) {
  c.send({{"id", 3},
          {"method", "turn/start"},
          {"params", {{"threadId", thread}, {"input", {{{"type", "text"}, {"text", prompt}}}}}}});
}

// Reads a turn to its turn/completed; returns the delta count, and latencies when paced.
long read_turn(Lines& c, std::vector<int64_t>* latencies) {
  long deltas = 0;
  for (std::string line = c.next(); !line.empty(); line = c.next()) {
    if (line.find("agentMessage/delta") != std::string::npos) {
      ++deltas;
      if (latencies) {
        int64_t received = now_ns();
        auto t = line.find("\"t\":");
        if (t != std::string::npos)
          latencies->push_back(received - std::atoll(line.c_str() + t + 4));
      }
    } else if (line.find("turn/completed") != std::string::npos) {
      break;
    }
  }
  return deltas;
}

long kib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return 0;
}

double relay(const std::string& socket_path, int clients, long total) {
  std::vector<Lines> conns;
  std::vector<std::string> threads;
  for (int i = 0; i < clients; ++i) {
    int fd = connect_socket(socket_path);
    conns.emplace_back(fd, fd);
    threads.push_back(open_thread(conns.back()));
  }
  long each = total / clients;
  int64_t start = now_ns();
  std::vector<std::thread> readers;
  std::vector<long> counted(static_cast<size_t>(clients));
  for (int i = 0; i < clients; ++i)
    start_turn(conns[i], threads[i], "flood:" + std::to_string(each));
  for (int i = 0; i < clients; ++i) {
    readers.emplace_back([&, i] { counted[i] = read_turn(conns[i], nullptr); });
  }
  for (auto& r : readers) r.join();
  double seconds = static_cast<double>(now_ns() - start) / 1e9;
  long got = 0;
  for (long n : counted) got += n;
  for (auto& c : conns) c.close();
  if (got != each * clients) std::fprintf(stderr, "lost notifications: %ld of %ld\n", got, total);
  return static_cast<double>(got) / seconds;
}

std::vector<int64_t> paced(Lines& c, const std::string& thread, int count) {
  std::vector<int64_t> latencies;
  start_turn(c, thread, "pace:" + std::to_string(count) + ":300");
  read_turn(c, &latencies);
  std::sort(latencies.begin(), latencies.end());
  return latencies;
}

double percentile_us(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[i]) / 1000.0;
}

pid_t spawn(const std::vector<std::string>& argv, int in, int out) {
  pid_t pid = fork();
  if (pid == 0) {
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin, app_server;
  long notifications = 400000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--bin") bin = argv[i + 1];
    if (flag == "--app-server") app_server = argv[i + 1];
    if (flag == "--notifications") notifications = std::atol(argv[i + 1]);
  }
  if (bin.empty() || app_server.empty()) {
    std::fprintf(stderr, "usage: relay_bench --bin CODEX_COMPANION --app-server FLOOD\n");
    return 2;
  }
  // Not under /tmp, and the broker's workspace is this folder, not the checkout holding the
  // flood app-server: `broker serve` refuses a socket or a Codex where a sandboxed task may write.
  char dir_template[] = "/var/tmp/relay-bench-XXXXXX";
  const char* made = mkdtemp(dir_template);
  if (made == nullptr || ::chdir(made) != 0) {
    std::perror("relay_bench: a scratch folder under /var/tmp");
    return 1;
  }
  std::string dir = made;
  std::string socket_path = dir + "/b/broker.sock";
  setenv("CODEX_COMPANION_CODEX", app_server.c_str(), 1);
  setenv("CODEX_COMPANION_BROKER_IDLE_MS", "600000", 1);
  pid_t broker = spawn({bin, "broker", "serve", "--endpoint", "unix:" + socket_path}, -1, -1);
  ::close(connect_socket(socket_path));
  usleep(200000);
  long idle_rss = kib(broker, "VmRSS:");

  double one = relay(socket_path, 1, notifications);
  double eight = relay(socket_path, 8, notifications);

  int fd = connect_socket(socket_path);
  Lines via_broker(fd, fd);
  std::string thread = open_thread(via_broker);
  auto shared = paced(via_broker, thread, 3000);
  via_broker.close();
  long peak_rss = kib(broker, "VmHWM:");
  kill(broker, SIGTERM);
  waitpid(broker, nullptr, 0);

  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) return 1;
  pid_t direct_pid = spawn({app_server}, to_child[0], from_child[1]);
  ::close(to_child[0]);
  ::close(from_child[1]);
  Lines direct(from_child[0], to_child[1]);
  auto direct_latency = paced(direct, open_thread(direct), 3000);
  direct.close();
  waitpid(direct_pid, nullptr, 0);
  rmdir((dir + "/b").c_str());
  rmdir(dir.c_str());

  std::printf("| measure | value |\n| --- | ---: |\n");
  std::printf("| relay, app-server to 1 client | %.0f k notifications/s |\n", one / 1000);
  std::printf("| relay, app-server to 8 clients | %.0f k notifications/s |\n", eight / 1000);
  std::printf("| one-way latency through the broker, p50 / p99 | %.0f us / %.0f us |\n",
              percentile_us(shared, 0.5), percentile_us(shared, 0.99));
  std::printf("| one-way latency straight from the app-server, p50 / p99 | %.0f us / %.0f us |\n",
              percentile_us(direct_latency, 0.5), percentile_us(direct_latency, 0.99));
  std::printf("| added by the broker, p50 / p99 | %.0f us / %.0f us |\n",
              percentile_us(shared, 0.5) - percentile_us(direct_latency, 0.5),
              percentile_us(shared, 0.99) - percentile_us(direct_latency, 0.99));
  std::printf("| broker RSS idle / peak under load | %.1f MiB / %.1f MiB |\n", idle_rss / 1024.0,
              peak_rss / 1024.0);
  return 0;
}
