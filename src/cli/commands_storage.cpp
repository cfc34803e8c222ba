// backup, restore, verify: copies of the database file; rekey, encrypt,
// decrypt: changing its key; and the keys of encrypted files, read from the environment (never from the command line,
// where other users of the machine could read them in the process list).
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

std::string hex_key(const std::string& hex, const char* var) {
    if (hex.size() != 64) throw UsageError(std::string(var) + ": a raw key is 64 hexadecimal digits (32 bytes)");
    std::string raw;
    for (std::size_t i = 0; i < 64; i += 2) {
        const auto digit = [&](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            throw UsageError(std::string(var) + ": not a hexadecimal digit: '" + std::string(1, c) + "'");
        };
        raw.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
    }
    return raw;
}

// The backup file's key: $CRM_BACKUP_PASSPHRASE / $CRM_BACKUP_KEY, else the
// database's own ($CRM_PASSPHRASE / $CRM_KEY).
template <class Opts>
bool apply_backup_key(Opts& o) {
    if (auto p = env("CRM_BACKUP_PASSPHRASE")) return o.passphrase(*p), true;
    if (auto k = env("CRM_BACKUP_KEY")) return o.key(hex_key(*k, "CRM_BACKUP_KEY")), true;
    if (auto p = env("CRM_PASSPHRASE")) return o.passphrase(*p), true;
    if (auto k = env("CRM_KEY")) return o.key(hex_key(*k, "CRM_KEY")), true;
    return false;
}

// Progress on stderr when it is a terminal.
crm::BackupOptions::Progress progress_printer(const char* verb) {
    if (!stderr_is_tty()) return nullptr;
    return [verb](std::int64_t done, std::int64_t total) {
        std::cerr << "\r" << verb << " " << done << " / " << total << " pages" << std::flush;
        if (done == total) std::cerr << "\n";
        return true;
    };
}

int step_option(const Context& ctx) {
    const auto v = ctx.args.get("step");
    if (!v) return 256;
    try {
        std::size_t used = 0;
        const int n = std::stoi(*v, &used);
        if (used == v->size() && n >= 1) return n;
    } catch (const std::exception&) {
    }
    throw UsageError("--step: expected a number of pages >= 1");
}

int run_backup(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    auto db = ctx.open(Access::read);
    crm::BackupOptions o;
    o.step(step_option(ctx));
    // A different key for the backup only when one is set for backups.
    if (auto p = env("CRM_BACKUP_PASSPHRASE")) o.passphrase(*p);
    else if (auto k = env("CRM_BACKUP_KEY")) o.key(hex_key(*k, "CRM_BACKUP_KEY"));
    if (auto p = progress_printer("backup")) o.progress(p);
    const std::string report = crm::backup(db, file, &o);
    if (ctx.json) {
        print_json(report);
    } else {
        const Json r = Json::parse(report);
        std::cout << "backed up " << ctx.db_path() << " to " << file << ": " << group_digits(r["pages"].get<long long>())
                  << " pages, " << group_digits(r["bytes"].get<long long>()) << " bytes"
                  << (r["encrypted"].get<bool>() ? ", encrypted" : "") << "\n";
    }
    return kOk;
}

int run_verify(Context& ctx) {
    ctx.operands(0);
    crm::BackupOptions o;
    apply_backup_key(o);
    const std::string report = crm::verify(ctx.db_path(), &o);
    const Json r = Json::parse(report);
    if (ctx.json) {
        print_json(report);
    } else {
        const auto count = [&](const char* key) {
            return r[key].is_number() ? group_digits(r[key].get<long long>()) : std::string("?");
        };
        print_fields(std::cout, {{"file", ctx.db_path()},
                                 {"integrity", r["ok"].get<bool>() ? "ok" : "FAILED"},
                                 {"encrypted", r["encrypted"].is_boolean() && r["encrypted"].get<bool>() ? "yes" : "no"},
                                 {"schema", r["schema_version"].is_number() ? std::to_string(r["schema_version"].get<int>()) : "?"},
                                 {"customers", count("customers")},
                                 {"interactions", count("interactions")}},
                     0);
        for (const auto& p : r["problems"]) std::cout << "problem: " << p.get<std::string>() << "\n";
        for (const auto& w : r["warnings"]) std::cout << "warning: " << w.get<std::string>() << "\n";
    }
    return r["ok"].get<bool>() ? kOk : kError;
}

int run_restore(Context& ctx) {
    const std::string backup = ctx.operands(1)[0];
    crm::BackupOptions o;
    o.step(step_option(ctx));
    apply_backup_key(o);
    if (auto p = progress_printer("restore")) o.progress(p);
    crm::Options target;
    target.create(true);
    apply_key_from_env(target);
    const std::string report = crm::restore(backup, ctx.db_path(), &o, &target);
    if (ctx.json) {
        print_json(report);
    } else {
        const Json r = Json::parse(report);
        std::cout << "restored " << ctx.db_path() << " from " << backup << ": "
                  << group_digits(r["customers"].get<long long>()) << " customers, "
                  << group_digits(r["interactions"].get<long long>()) << " interactions\n";
    }
    return kOk;
}

// The new key of `crm rekey` / `crm encrypt`: $CRM_NEW_PASSPHRASE or $CRM_NEW_KEY.
void apply_new_key(crm::BackupOptions& o, const char* command) {
    if (auto p = env("CRM_NEW_PASSPHRASE")) o.passphrase(*p);
    else if (auto k = env("CRM_NEW_KEY")) o.key(hex_key(*k, "CRM_NEW_KEY"));
    else throw UsageError(std::string(command) + ": set the new key in CRM_NEW_PASSPHRASE (or CRM_NEW_KEY, 64 hex digits)");
}

void print_key_change(const Context& ctx, const std::string& report, const char* what) {
    if (ctx.json) {
        print_json(report);
        return;
    }
    const Json r = Json::parse(report);
    std::cout << what << " " << ctx.db_path() << ": " << group_digits(r["pages"].get<long long>()) << " pages, "
              << group_digits(r["bytes"].get<long long>()) << " bytes"
              << (r["encrypted"].get<bool>() ? ", encrypted" : ", not encrypted") << "\n";
}

// rekey (an encrypted file, new key), encrypt (a plain file) and decrypt
// share this: they differ in what the file must be before and the message.
int change_key(Context& ctx, const char* command, bool want_encrypted, bool to_key) {
    ctx.operands(0);
    crm::BackupOptions o;
    o.step(step_option(ctx));
    if (to_key) apply_new_key(o, command);
    auto db = ctx.open(Access::write);
    const bool encrypted = crm::is_encrypted(db);
    if (encrypted != want_encrypted)
        throw Failure(ctx.db_path() + (encrypted ? " is already encrypted: change its key with crm rekey"
                                                 : " is not encrypted" +
                                                       std::string(to_key ? ": encrypt it with crm encrypt" : "")));
    if (auto p = progress_printer(command)) o.progress(p);
    const std::string report = to_key ? crm::rekey(db, o) : crm::decrypt(db, &o);
    print_key_change(ctx, report, to_key ? (want_encrypted ? "rekeyed" : "encrypted") : "decrypted");
    return kOk;
}

int run_rekey(Context& ctx) { return change_key(ctx, "rekey", true, true); }
int run_encrypt(Context& ctx) { return change_key(ctx, "encrypt", false, true); }
int run_decrypt(Context& ctx) { return change_key(ctx, "decrypt", true, false); }

const char* kKeyHelp =
    "\nEncrypted files: the key comes from the environment, never the command line:\n"
    "  CRM_PASSPHRASE         the database's passphrase (every crm command)\n"
    "  CRM_KEY                or its raw key, 64 hexadecimal digits\n"
    "  CRM_BACKUP_PASSPHRASE  the backup file's passphrase when it differs (or CRM_BACKUP_KEY)\n"
    "  CRM_NEW_PASSPHRASE     the new passphrase of crm rekey and crm encrypt (or CRM_NEW_KEY)\n";

const char* kKeyChangeHelp =
    "The file is copied under the new key (or in the clear) beside itself, checked, and\n"
    "renamed over the old one: after a crash it opens with the old key or the new one.\n"
    "Close every other program using the file first (it is refused otherwise).\n";

}  // namespace

Command rekey_command() {
    static const std::string details = std::string(
        "Changes the key of an encrypted database: the current key from CRM_PASSPHRASE or\n"
        "CRM_KEY, the new one from CRM_NEW_PASSPHRASE or CRM_NEW_KEY. Afterwards only the new\n"
        "key opens it.\n") + kKeyChangeHelp + kKeyHelp +
        "\nExample:\n  CRM_PASSPHRASE=old CRM_NEW_PASSPHRASE=new crm rekey shop.db\n";
    return {"rekey", "", "change the key of an encrypted database",
            {{"step", 0, "PAGES", false, "pages copied per step (default 256)"}}, details, run_rekey};
}

Command encrypt_command() {
    static const std::string details = std::string(
        "Encrypts a plain database in place with the key in CRM_NEW_PASSPHRASE or CRM_NEW_KEY;\n"
        "afterwards every command needs that key (CRM_PASSPHRASE / CRM_KEY).\n") + kKeyChangeHelp + kKeyHelp +
        "\nExample:\n  CRM_NEW_PASSPHRASE=secret crm encrypt shop.db\n";
    return {"encrypt", "", "encrypt a plain database in place",
            {{"step", 0, "PAGES", false, "pages copied per step (default 256)"}}, details, run_encrypt};
}

Command decrypt_command() {
    static const std::string details = std::string(
        "Makes an encrypted database plain in place (its key from CRM_PASSPHRASE or CRM_KEY):\n"
        "every customer's data is then readable by anyone who can read the file.\n") + kKeyChangeHelp + kKeyHelp +
        "\nExample:\n  CRM_PASSPHRASE=secret crm decrypt shop.db\n";
    return {"decrypt", "", "make an encrypted database plain, in place",
            {{"step", 0, "PAGES", false, "pages copied per step (default 256)"}}, details, run_decrypt};
}

void apply_key_from_env(crm::Options& options) {
    if (auto p = env("CRM_PASSPHRASE")) options.passphrase(*p);
    else if (auto k = env("CRM_KEY")) options.key(hex_key(*k, "CRM_KEY"));
}

Command backup_command() {
    static const std::string details = std::string(
        "Copies the database while it stays in use (other programs keep reading and writing),\n"
        "a few pages at a time, into FILE, which must not exist. The copy appears only when\n"
        "complete. An encrypted database's backup is encrypted: with its own key, or with\n"
        "CRM_BACKUP_PASSPHRASE when that is set.\n") + kKeyHelp +
        "\nExample:\n  crm backup shop.db /mnt/usb/shop-2026-11-23.db\n";
    return {"backup", "FILE", "copy the database into a backup file, online",
            {{"step", 0, "PAGES", false, "pages copied per step (default 256)"}}, details, run_backup};
}

Command verify_command() {
    static const std::string details = std::string(
        "Opens the file read-only, runs SQLite's integrity check and counts its records,\n"
        "without changing it: a backup can be checked without restoring it. Exit status 1\n"
        "when a problem is found.\n") + kKeyHelp + "\nExample:\n  crm verify /mnt/usb/shop-2026-11-23.db\n";
    return {"verify", "", "check a database or backup file without changing it", {}, details, run_verify};
}

Command restore_command() {
    static const std::string details = std::string(
        "Verifies BACKUP, then replaces the content of DB with it (DB is created when missing).\n"
        "A damaged backup is refused and DB left untouched. Close other programs using DB first.\n") +
        kKeyHelp + "\nExample:\n  crm restore shop.db /mnt/usb/shop-2026-11-23.db\n";
    return {"restore", "BACKUP", "replace the database with a verified backup",
            {{"step", 0, "PAGES", false, "pages copied per step (default 256)"}}, details, run_restore};
}

}  // namespace crmcli
