// quickstart.cpp — the same tour as quickstart.c through the header-only C++
// wrapper crmlite.hpp: RAII handles, exceptions instead of status codes,
// std::string instead of buffers to free, range-for over cursors.
//
//   quickstart_cpp [database-path]   (default: /tmp/crmlite-quickstart-cpp-<pid>.db)
#include <unistd.h>

#include <iostream>
#include <string>

#include "crmlite/crmlite.hpp"

int main(int argc, char** argv) {
    const std::string path =
        argc > 1 ? argv[1] : "/tmp/crmlite-quickstart-cpp-" + std::to_string(getpid()) + ".db";
    try {
        std::cout << "crmlite " << crm_version() << ", database " << path << "\n";
        crm::Database db(path, crm::Options().timezone("Asia/Shanghai"));

        // Several writes as one transaction: all land on commit(), none if an
        // exception leaves the scope first (the destructor rolls back).
        std::string person;
        {
            crm::Transaction txn(db);
            const std::string company =
                db.create_customer(R"({"kind":"company","display_name":"杭州西湖茶业有限公司"})");
            person = db.create_customer(R"({"family_name":"王","given_name":"小明","company_id":")" + company +
                                        R"(","city":"杭州","phones":["+86 138 1234 5678"],)"
                                        R"("emails":["xiaoming@example.com"],"tags":["客户/VIP"]})");
            db.create_customer(R"({"display_name":"Mary Johnson"})");
            db.add_interaction(R"({"customer_id":")" + person +
                               R"(","kind":"call","direction":"inbound","subject":"询问龙井价格"})");
            db.add_interaction(R"({"customer_id":")" + person + R"(","kind":"order","currency":"CNY",)"
                               R"("items":[{"product":"明前龙井 250g","quantity":2,"unit_price_minor":38800}]})");
            txn.commit();
        }

        std::cout << "360 view of 王小明:\n  " << db.view(person) << "\n";

        std::cout << "search \"小明\":\n";
        for (const std::string& hit : db.search(R"({"q":"小明"})")) std::cout << "  " << hit << "\n";
        std::cout << "search \"5678\":\n";
        for (const std::string& hit : db.search(R"({"q":"5678"})")) std::cout << "  " << hit << "\n";

        // A page of two customers sorted by name (Chinese by pinyin), then the next page.
        crm::Cursor page = db.query_customers(R"({"sort":"name","limit":2})");
        std::cout << "customers by name, page 1:\n";
        for (const std::string& row : page) std::cout << "  " << row << "\n";
        if (const auto token = page.token()) {
            std::cout << "customers by name, page 2:\n";
            for (const std::string& row : db.query_customers(R"({"sort":"name","limit":2,"after":")" + *token + "\"}"))
                std::cout << "  " << row << "\n";
        }

        // Failures are crm::Error with the status, the message and SQLite's code.
        try {
            db.customer("not-an-id");
        } catch (const crm::Error& e) {
            std::cout << "expected failure: " << crm_status_name(e.code()) << ": " << e.what() << "\n";
        }
    } catch (const crm::Error& e) {
        std::cerr << "crmlite: " << crm_status_name(e.code()) << ": " << e.what() << "\n";
        return 1;
    }
    return crm_live_handles() == 0 ? 0 : 1;  // every handle was released
}
