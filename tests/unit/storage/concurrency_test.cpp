// Other connections and other processes: auditors' readers never stop the daemon's writes; a held write
// lock, a read-only file and a full disk come back as distinguishable storage errors.
#include "core/file.hpp"
#include "tests/unit/storage/store_fixture.hpp"
#include "storage/sqlite_order_store.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// The real sqlite3 shell as a child process, fed statements through a pipe. Query results are written by
// `.once FILE`, which closes the file after the statement, so the test can wait for them.
class Sqlite3Shell {
public:
  explicit Sqlite3Shell(const std::filesystem::path& db) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[0], STDIN_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(RECHARGED_SQLITE3_SHELL, "sqlite3", "-batch", "-bail", db.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[0]);
    input_ = fds[1];
  }
  ~Sqlite3Shell() {
    if (input_ >= 0) ::close(input_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Sqlite3Shell(const Sqlite3Shell&) = delete;
  Sqlite3Shell& operator=(const Sqlite3Shell&) = delete;

  void send(const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
      const auto n = ::write(input_, text.data() + sent, text.size() - sent);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  // Runs `sql` (one statement) and returns its output, waiting up to 10 s for the shell to answer.
  std::string query(const std::filesystem::path& out, const std::string& sql) {
    send(".once " + out.string() + "\n" + sql + "\n");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto text = read_file(out);
      if (text.ok() && !text->empty() && text->back() == '\n') return *text;
      std::this_thread::sleep_for(5ms);
    }
    FAIL("the sqlite3 shell did not answer: " << sql);
    return "";
  }

  // Ends the shell and returns its exit status (0 when every statement succeeded).
  int finish() {
    send(".quit\n");
    ::close(input_);
    input_ = -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = -1;
  int input_ = -1;
};

// A store on its own connection that never waits for a lock: any blocking shows up as an error.
struct ImpatientWriter {
  std::unique_ptr<Database> db;
  std::unique_ptr<OrderStore> store;

  explicit ImpatientWriter(const std::filesystem::path& path) : db(open_database(path, Millis{0})) {
    store = std::make_unique<SqliteOrderStore>(*db);
  }

  // Inserts `n` orders and moves each to RECHARGING, one transaction per write.
  void write(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i) {
      auto inserted = store->insert_new(sample_order(prefix + std::to_string(i)), k_t0);
      REQUIRE_MESSAGE(inserted.ok(), (inserted.ok() ? "" : inserted.error().message));
      auto moved = store->commit_one(transition(inserted->order.id, OrderState::new_order,
                                                OrderState::recharging, k_t0 + 1s));
      REQUIRE_MESSAGE(moved.ok(), (moved.ok() ? "" : moved.error().message));
      CHECK(*moved);
    }
  }
};

} // namespace

TEST_CASE("a sqlite3 reader holding a read transaction does not stop the daemon's writes") {
  StoreFixture f;
  for (int i = 0; i < 3; ++i) f.insert("BEFORE" + std::to_string(i));
  Sqlite3Shell shell(f.path);
  shell.send("BEGIN;\n");
  CHECK(shell.query(f.dir / "out1.txt", "SELECT count(*) FROM orders;") == "3\n"); // the snapshot is taken

  ImpatientWriter writer(f.path);
  writer.write("DURING", 5); // busy_timeout 0: a blocked write would fail at once
  CHECK(writer.store->counts(k_t0).value().by_state.at(OrderState::recharging) == 5);

  // Still inside its transaction, the reader sees its snapshot; after COMMIT it sees the new orders.
  CHECK(shell.query(f.dir / "out2.txt", "SELECT count(*) FROM orders;") == "3\n");
  shell.send("COMMIT;\n");
  CHECK(shell.query(f.dir / "out3.txt", "SELECT count(*) FROM orders;") == "8\n");
  CHECK(shell.finish() == 0);
}

TEST_CASE("a second SQLiteCpp connection holding a read transaction does not stop the daemon's writes") {
  StoreFixture f;
  f.insert("BEFORE");
  SQLite::Database reader(f.path, SQLite::OPEN_READONLY);
  reader.exec("BEGIN");
  CHECK(scalar(reader, "SELECT count(*) FROM orders") == "1");

  ImpatientWriter writer(f.path);
  writer.write("DURING", 5);
  CHECK(scalar(reader, "SELECT count(*) FROM orders") == "1");
  CHECK(scalar(reader, "SELECT count(*) FROM order_events") == "1");
  reader.exec("COMMIT");
  CHECK(scalar(reader, "SELECT count(*) FROM orders") == "6");
  CHECK(scalar(reader, "SELECT count(*) FROM order_events") == "11");
}

TEST_CASE("a writer holding the lock makes writes fail with code busy after busy_timeout, reads go on") {
  TempDir dir;
  const auto path = dir / "busy.db";
  auto db = open_database(path, Millis{300});
  SqliteOrderStore store(*db);
  const auto existing = store.insert_new(sample_order("EXISTING"), k_t0).value().order;

  SQLite::Database blocker(path, SQLite::OPEN_READWRITE);
  blocker.exec("BEGIN IMMEDIATE");
  const auto start = std::chrono::steady_clock::now();
  const auto inserted = store.insert_new(sample_order("BLOCKED"), k_t0);
  const auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(inserted.ok());
  CHECK(inserted.error().kind == ErrorKind::storage);
  CHECK(inserted.error().code == "busy");
  CHECK(inserted.error().message.find(path.string()) != std::string::npos);
  CHECK(inserted.error().message.find("record the new order 'BLOCKED'") != std::string::npos);
  CHECK(waited >= 250ms); // it waited for busy_timeout before giving up

  const auto committed =
      store.commit_one(transition(existing.id, OrderState::new_order, OrderState::recharging, k_t0));
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.error().code == "busy");
  CHECK(store.find("EXISTING").value().has_value()); // readers are never blocked by the writer
  CHECK(store.counts(k_t0).ok());

  blocker.exec("ROLLBACK");
  CHECK(store.insert_new(sample_order("BLOCKED"), k_t0).value().created); // recovers once the lock is gone
  CHECK(store.commit_one(transition(existing.id, OrderState::new_order, OrderState::recharging, k_t0)).value());
}

TEST_CASE("a read-only connection refuses writes with code readonly and still reads") {
  StoreFixture f;
  f.insert("RO1");
  auto db = Database::open({f.path, Millis{1'000}, true}, MigrationMode::require_current);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  SqliteOrderStore store(**db);
  CHECK(store.find("RO1").value().has_value());
  const auto inserted = store.insert_new(sample_order("RO2"), k_t0);
  REQUIRE_FALSE(inserted.ok());
  CHECK(inserted.error().kind == ErrorKind::storage);
  CHECK(inserted.error().code == "readonly");
  const auto id = store.find("RO1").value()->id;
  const auto committed = store.commit_one(transition(id, OrderState::new_order, OrderState::recharging, k_t0));
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.error().code == "readonly");
  CHECK(f.reload(id).state == OrderState::new_order);
}

TEST_CASE("a database file the process may not write gives code readonly") {
  if (::geteuid() == 0) {
    MESSAGE("skipped: root ignores file permissions (run the suite as an ordinary user to cover this)");
    return;
  }
  TempDir dir;
  const auto path = dir / "ro.db";
  std::int64_t id = 0;
  {
    auto db = open_database(path);
    SqliteOrderStore store(*db);
    id = store.insert_new(sample_order("RO1"), k_t0).value().order.id;
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  auto db = Database::open({path, Millis{200}, false}, MigrationMode::create);
  if (!db.ok()) {
    CHECK(db.error().code == "readonly"); // refused while opening, or…
    return;
  }
  SqliteOrderStore store(**db); // …opened read-only by SQLite, refused on the first write
  const auto committed = store.commit_one(transition(id, OrderState::new_order, OrderState::recharging, k_t0));
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.error().code == "readonly");
}

TEST_CASE("a full database fails with code full, keeps what it had and recovers when space returns") {
  StoreFixture f;
  const auto kept = f.insert("KEPT").id;
  auto& conn = f.db->native();
  const auto pages = conn.execAndGet("PRAGMA page_count").getInt();
  conn.exec("PRAGMA max_page_count = " + std::to_string(pages + 2));
  auto big = sample_order("BIG");
  big.remark = std::string(256 * 1024, 'x');
  const auto inserted = f.store.insert_new(big, k_t0);
  REQUIRE_FALSE(inserted.ok());
  CHECK(inserted.error().kind == ErrorKind::storage);
  CHECK(inserted.error().code == "full");
  CHECK(f.reload(kept).out_recharge_no == "KEPT");
  CHECK_FALSE(f.store.find("BIG").value().has_value());
  conn.exec("PRAGMA max_page_count = 1073741823");
  CHECK(f.store.insert_new(big, k_t0).value().created);
}

TEST_CASE("callers on several threads share one store safely") {
  StoreFixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 25; ++i) {
        const auto no = "T" + std::to_string(t) + "N" + std::to_string(i);
        auto inserted = f.store.insert_new(sample_order(no), k_t0);
        if (!inserted.ok()) continue; // counted below
        (void)f.store.commit_one(transition(inserted->order.id, OrderState::new_order, OrderState::recharging, k_t0));
        (void)f.store.due(k_t0, 10);
      }
    });
  for (auto& t : threads) t.join();
  const auto counts = f.store.counts(k_t0).value();
  CHECK(counts.by_state.at(OrderState::recharging) == 100);
  CHECK(scalar(f.raw(), "SELECT count(DISTINCT id) FROM orders") == "100");
  CHECK(scalar(f.raw(), "SELECT count(*) FROM order_events") == "200");
}
