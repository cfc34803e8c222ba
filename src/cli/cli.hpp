// What every `crm` command shares: its declaration (name, operands, options,
// help), the invocation context (parsed arguments, where the database is),
// and output helpers. Commands use only the public C++ wrapper (crm::), i.e.
// the same stable C ABI every other user of the shared library gets.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "crmlite/crmlite.hpp"

namespace crmcli {

// Exit statuses (documented in docs/cli.md).
enum Exit : int {
    kOk = 0,
    kError = 1,       // the library or the CLI refused or failed
    kUsage = 2,       // wrong command line
    kRowsFailed = 3,  // import --strict: some rows were rejected (the good rows did land)
    kInterrupted = 130,  // Ctrl-C during import (everything rolled back)
};

class Context;

struct Command {
    std::string_view name;
    std::string_view operands;  // after the database, for the synopsis: "FILE", "ID PATH"
    std::string_view summary;   // one line for `crm --help`
    std::vector<Option> options;  // the command's own; --db, --json and --help are added
    std::string_view details;   // more help: semantics, examples
    int (*run)(Context&);
};

enum class Access { read, write };

class Context {
public:
    Context(const Command& command, Args args);

    const Command& command;
    Args args;
    bool json = false;  // --json: machine-readable output on stdout

    // The database is the first positional argument, unless --db (or, failing
    // both, $CRM_DB) names it; the command then takes exactly `n` operands.
    // Because n is fixed per command, "DB first" is never ambiguous.
    std::vector<std::string> operands(std::size_t n);
    const std::string& db_path() const { return db_path_; }
    // Opens an existing database (never creates one: a typo in the path must
    // not silently start an empty CRM). Read-only for commands that only read.
    crm::Database open(Access access) const;
    // A customer reference: a customer id, or SYSTEM:EXTERNAL_ID (ids never
    // contain ':'), e.g. erp:C0000001.
    std::string customer_id(crm::Database& db, const std::string& ref) const;

private:
    std::string db_path_;
};

// A JSON-object option such as --data: inline JSON, or @FILE to read a file.
nlohmann::json json_object_option(const Args& args, std::string_view option);

// Options every command accepts.
const std::vector<Option>& common_options();

// Output.
bool stdout_is_tty();
bool stderr_is_tty();
// One JSON object: indented on a terminal, one compact line otherwise.
void print_json(const std::string& json_text);
// One line of JSON Lines output (library rows are already compact).
void print_json_line(const std::string& json_text);
// "2026-11-23T09:00:00.000Z" -> "2026-11-23 09:00" (the text as-is when not in that shape).
std::string short_time(std::string_view iso);

// The command table (main.cpp) and help (help.cpp).
const std::vector<Command>& all_commands();
const Command* find_command(std::string_view name);
void print_usage(std::ostream& out);
void print_command_help(std::ostream& out, const Command& command);

// Sets the key of an encrypted database from $CRM_PASSPHRASE or $CRM_KEY (64
// hex digits), when set (commands_storage.cpp).
void apply_key_from_env(crm::Options& options);

}  // namespace crmcli
