import Foundation

/// The fast local server of the load benchmark: nginx (one worker, keep-alive without a request
/// limit, a fixed 20-byte JSON body) when it is installed, else `rehearse-bench serve` (the demo
/// server) in a child process. Either runs in its own process, as wrk's server would.
final class BenchServer: CustomStringConvertible {
    let pid: pid_t
    let port: Int
    let path: String
    let description: String
    var base: String { "http://127.0.0.1:\(port)" }
    var url: String { base + path }

    private init(pid: pid_t, port: Int, path: String, description: String) {
        self.pid = pid
        self.port = port
        self.path = path
        self.description = description
    }

    static func start(benchExecutable: String) throws -> BenchServer {
        if let nginx = which("nginx") ?? ["/usr/sbin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let port = freePort()
            let dir = NSTemporaryDirectory() + "rehearse-bench-nginx"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let conf = """
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log;
            events { worker_connections 4096; }
            http {
              access_log off;
              keepalive_requests 1000000000;
              keepalive_timeout 300s;
              client_body_temp_path \(dir);
              server {
                listen 127.0.0.1:\(port);
                location / { default_type application/json; return 200 '{"status":"healthy"}'; }
              }
            }
            """
            try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
            let pid = try spawnChild(nginx, ["-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"])
            try waitForPort(port)
            return BenchServer(pid: pid, port: port, path: "/health", description: "nginx (1 worker, 20-byte JSON body)")
        }
        let out = NSTemporaryDirectory() + "rehearse-bench-serve.txt"
        let pid = try spawnChild(benchExecutable, ["serve"], stdout: out)
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: out, encoding: .utf8), let line = text.split(separator: "\n").first,
               let port = Int(line.split(separator: ":").last ?? "") {
                return BenchServer(pid: pid, port: port, path: "/health", description: "demo server /health (nginx not installed)")
            }
            usleep(50_000)
        }
        kill(pid, SIGTERM)
        throw BenchError("the demo server did not start")
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin"] {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func waitForPort(_ port: Int) throws {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
            close(fd)
            if ok { return }
            usleep(50_000)
        }
        throw BenchError("nothing listens on port \(port)")
    }
}

/// Starts a child process without waiting; its standard output goes to `stdout` (or /dev/null).
func spawnChild(_ path: String, _ args: [String], stdout: String = "/dev/null") throws -> pid_t {
    var pid: pid_t = 0
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw BenchError("cannot start \(path)") }
    return pid
}

/// Runs a child process to the end and returns its standard output.
func captureChild(_ path: String, _ args: [String]) throws -> String {
    let out = NSTemporaryDirectory() + "rehearse-bench-capture-\(getpid()).txt"
    let pid = try spawnChild(path, args, stdout: out)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
}
