// The C++ side of the package consumer: crmlite.hpp over the installed library.
// Usage: consumer_cpp <database-path>
#include <crmlite/crmlite.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    try {
        crm::Database db(argv[1]);
        const std::string id = db.create_customer(R"({"display_name":"Package Test"})");
        int rows = 0;
        for (const std::string& hit : db.search(R"({"q":"packag"})")) rows += hit.find(id) != std::string::npos;
        std::cout << "consumer (C++) linked crmlite " << crm_version() << ": " << db.customer(id) << "\n";
        if (rows != 1) return 1;
    } catch (const crm::Error& e) {
        std::cerr << "crmlite: " << e.what() << "\n";
        return 1;
    }
    return crm_live_handles() == 0 ? 0 : 1;
}
