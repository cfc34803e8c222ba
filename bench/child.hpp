// Runs one benchmark phase in a child process, so that each phase's peak
// resident memory is its own (getrusage in the child) and a crash in one phase
// is reported instead of taking the whole run down.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "stats.hpp"

namespace bench {

inline nlohmann::json run_in_child(const std::string& name, const std::function<nlohmann::json()>& phase) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        close(fds[0]);
        nlohmann::json result;
        try {
            result = phase();
            result["peak_rss_mib"] = peak_rss_mib();
        } catch (const std::exception& e) {
            result = {{"error", e.what()}};
        }
        const std::string text = result.dump();
        std::size_t off = 0;
        while (off < text.size()) {
            const auto n = write(fds[1], text.data() + off, text.size() - off);
            if (n <= 0) break;
            off += static_cast<std::size_t>(n);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (text.empty()) return {{"error", name + ": phase died (status " + std::to_string(status) + ")"}};
    return nlohmann::json::parse(text);
}

}  // namespace bench
