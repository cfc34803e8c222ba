// A small command-line parser for `crm`. Each command declares its options;
// anything not declared is refused, so a typo ("--stgae") is an error instead
// of a silently ignored filter. Options may appear before, between or after
// the positional arguments; `--` ends option parsing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crmcli {

// Wrong use of the command line: exit status 2 and a pointer to the help.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A failure detected by the CLI itself (not the library): exit status 1
// unless another is given (130 for an interrupted import).
class Failure : public std::runtime_error {
public:
    explicit Failure(const std::string& message, int status = 1) : std::runtime_error(message), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

struct Option {
    std::string_view name;        // long name without the dashes: "stage"
    char short_name = 0;          // 'd' for -d, or 0
    std::string_view value_name;  // "STAGE" when the option takes a value, "" for a flag
    bool repeatable = false;      // may be given more than once
    std::string_view help;
};

class Args {
public:
    // Parses `argv` (the words after the command name) against `options`.
    // Throws UsageError for unknown options, missing values, repeats.
    static Args parse(std::span<const Option> options, std::span<char* const> argv);

    bool has(std::string_view name) const { return values_.count(name) > 0; }
    // The value of a single-valued option.
    std::optional<std::string> get(std::string_view name) const;
    // Every value of a repeatable option, in command-line order.
    std::vector<std::string> all(std::string_view name) const;
    // An integer option within [min, max]; UsageError otherwise.
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max) const;

    std::vector<std::string> positionals;

private:
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

}  // namespace crmcli
