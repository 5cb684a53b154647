// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite shell built plain and with upstare-cc must answer a workload
 * byte for byte the same.
 *
 * Debian's sqlite3 source package is the upstream tree, not the amalgamation,
 * so the amalgamation (sqlite3.c, shell.c) is generated first with the
 * package's own configure and Makefile (they need tclsh), using the plain
 * compiler for the build-time tools.  The shell is then compiled from it
 * twice, -O2 with the same flags, each file with -c and a separate link:
 * once with clang, once with upstare-cc.
 *
 * The workload is generated here from a fixed seed: a schema with foreign
 * keys, triggers, a view, indices, a WITHOUT ROWID table, FTS5 and R*Tree
 * tables; some 4,500 inserts in transactions and upserts; updates and deletes
 * that fire the triggers and cascades, with RETURNING; joins of every kind,
 * aggregates with FILTER, window functions with several frame types,
 * recursive CTEs (a tree walk, Fibonacci, the Mandelbrot set), JSON, math,
 * string and date functions, compound selects, savepoints, statements that
 * fail on constraints, ANALYZE, integrity checks, several output modes and a
 * final .dump.  Both shells run it against a database file; their exit
 * status, stdout, stderr and the database file must be identical.  The
 * instrumented shell runs it a second time with UPSTARE_SELFTEST_UNWIND
 * (every UNWIND_EVERY-th update point unwinds and rebuilds the whole stack):
 * the same again, after some thousands of rebuilds, which checks every
 * saved and restored frame of the parser, code generator and VDBE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

/*
 * The case takes up to CASE_TIMEOUT (more than the runner's default).  The
 * plain parts take a couple of minutes on a loaded machine; the
 * instrumented build of sqlite3.c took over ten there (now two to three),
 * so it gets most of the time, and a slower instrumentor shows as "timed
 * out" with the command, not as a killed case.
 */
#define CASE_TIMEOUT		1800
#define AMALGAMATION_TIMEOUT	120
#define PLAIN_BUILD_TIMEOUT	300
#define INSTR_BUILD_TIMEOUT	1200
#define RUN_TIMEOUT		60
#define UNWIND_RUN_TIMEOUT	300
/* a prime, so that the unwinds do not follow the workload's loop periods */
#define UNWIND_EVERY		"997"

#define SQLITE_CFLAGS							\
	"-O2 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE "	\
	"-DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_DBSTAT_VTAB "		\
	"-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_FOREIGN_KEYS=1"

#define N_CUSTOMERS	300
#define N_PRODUCTS	120
#define N_ORDERS	2500
#define N_TREE		400
#define N_KV		400
#define N_DOCS		250
#define N_BOXES		250

/* builds: PLAIN, INSTR; runs: all three (UNWIND runs the INSTR build) */
enum variant { PLAIN, INSTR, UNWIND, NVARIANTS };
#define NBUILDS	2
static const char *const variant_name[NVARIANTS] = {
	"plain", "instrumented", ("instrumented, UPSTARE_SELFTEST_UNWIND=" UNWIND_EVERY),
};
static const char *const db_name[NVARIANTS] = { "test.db", "test.db", "unwind.db" };

/* ------------------------------------------------------------ workload */

struct gen {
	FILE *f;
	uint64_t seed;
};

static unsigned int rnd(struct gen *g, unsigned int n)
{
	g->seed = g->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((g->seed >> 33) % n);
}

static const char *const syllables[] = {
	"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "dor", "quin",
};
static const char *const cities[] = {
	"Avignon", "Bergen", "Cork", "Delft", "Evora", "Faro", "Graz", "Hull",
	"Ithaca", "Jena", "Kiel", "Lund",
};
static const char *const categories[] = {
	"books", "garden", "kitchen", "music", "sport", "tools", "toys", "wine",
};
static const char *const words[] = {
	"alpha", "beta", "gamma", "delta", "update", "thread", "stack", "frame",
	"patch", "kernel", "signal", "mutex", "socket", "buffer", "vector", "pointer",
	"quiet", "rapid", "silent", "stable", "ancient", "modern", "frozen", "bright",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void gen_name(struct gen *g, char *buf, size_t len)
{
	unsigned int n = 2 + rnd(g, 3);
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s", syllables[rnd(g, ARRAY_SIZE(syllables))]);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] -= 'a' - 'A';
}

static void gen_sentence(struct gen *g, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fprintf(g->f, "%s%s", i ? " " : "", words[rnd(g, ARRAY_SIZE(words))]);
}

static void gen_schema(struct gen *g)
{
	fputs(".bail off\n"
	      "PRAGMA foreign_keys = ON;\n"
	      "CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL,\n"
	      "  city TEXT, balance REAL NOT NULL DEFAULT 0, since INT);\n"
	      "CREATE TABLE product(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,\n"
	      "  category TEXT, price REAL CHECK (price > 0));\n"
	      "CREATE TABLE orders(id INTEGER PRIMARY KEY,\n"
	      "  customer_id INT NOT NULL REFERENCES customer(id) ON DELETE CASCADE,\n"
	      "  product_id INT NOT NULL REFERENCES product(id), qty INT, day INT);\n"
	      "CREATE TABLE audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT,\n"
	      "  ref INT, amount REAL);\n"
	      "CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INT REFERENCES tree(id),\n"
	      "  label TEXT);\n"
	      "CREATE TABLE kv(k TEXT PRIMARY KEY, v INT, hits INT DEFAULT 1) WITHOUT ROWID;\n"
	      "CREATE VIRTUAL TABLE doc USING fts5(title, body);\n"
	      "CREATE VIRTUAL TABLE box USING rtree(id, minx, maxx, miny, maxy);\n"
	      "CREATE INDEX orders_customer ON orders(customer_id, day);\n"
	      "CREATE INDEX orders_product ON orders(product_id);\n"
	      "CREATE INDEX customer_city ON customer(city, name);\n"
	      "CREATE INDEX product_expensive ON product(price) WHERE price > 50;\n"
	      "CREATE TRIGGER orders_ai AFTER INSERT ON orders BEGIN\n"
	      "  UPDATE customer SET balance = balance + NEW.qty *\n"
	      "    (SELECT price FROM product WHERE id = NEW.product_id)\n"
	      "    WHERE id = NEW.customer_id;\n"
	      "  INSERT INTO audit(what, ref, amount) VALUES ('order', NEW.id, NEW.qty);\n"
	      "END;\n"
	      "CREATE TRIGGER orders_ad AFTER DELETE ON orders BEGIN\n"
	      "  UPDATE customer SET balance = balance - OLD.qty *\n"
	      "    (SELECT price FROM product WHERE id = OLD.product_id)\n"
	      "    WHERE id = OLD.customer_id;\n"
	      "  INSERT INTO audit(what, ref, amount) VALUES ('cancel', OLD.id, -OLD.qty);\n"
	      "END;\n"
	      "CREATE TRIGGER product_au AFTER UPDATE OF price ON product\n"
	      "  WHEN NEW.price <> OLD.price BEGIN\n"
	      "  INSERT INTO audit(what, ref, amount)\n"
	      "    VALUES ('reprice', NEW.id, round(NEW.price - OLD.price, 2));\n"
	      "END;\n"
	      "CREATE TRIGGER kv_guard BEFORE UPDATE ON kv WHEN NEW.v < 0 BEGIN\n"
	      "  SELECT RAISE(ABORT, 'kv value must not go negative');\n"
	      "END;\n"
	      "CREATE VIEW customer_total AS\n"
	      "  SELECT c.id, c.name, c.city, count(o.id) AS n,\n"
	      "         round(coalesce(sum(o.qty * p.price), 0), 2) AS total\n"
	      "  FROM customer c LEFT JOIN orders o ON o.customer_id = c.id\n"
	      "  LEFT JOIN product p ON p.id = o.product_id GROUP BY c.id;\n", g->f);
}

static void gen_data(struct gen *g)
{
	char name[64];
	unsigned int i;

	fputs("BEGIN;\n", g->f);
	for (i = 1; i <= N_CUSTOMERS; i++) {
		gen_name(g, name, sizeof(name));
		fprintf(g->f, "INSERT INTO customer(id, name, city, since) VALUES (%u, '%s', '%s', %u);\n",
			i, name, cities[rnd(g, ARRAY_SIZE(cities))], 2000 + rnd(g, 25));
	}
	for (i = 1; i <= N_PRODUCTS; i++) {
		gen_name(g, name, sizeof(name));
		fprintf(g->f, "INSERT INTO product VALUES (%u, 'p%03u-%s', '%s', %u.%02u);\n",
			i, i, name, categories[rnd(g, ARRAY_SIZE(categories))],
			1 + rnd(g, 120), rnd(g, 100));
	}
	fputs("COMMIT;\n", g->f);

	for (i = 1; i <= N_ORDERS; i++) {
		if (i % 250 == 1)
			fputs("BEGIN;\n", g->f);
		fprintf(g->f, "INSERT INTO orders(customer_id, product_id, qty, day) "
			"VALUES (%u, %u, %u, %u);\n",
			1 + rnd(g, N_CUSTOMERS), 1 + rnd(g, N_PRODUCTS), 1 + rnd(g, 9), rnd(g, 365));
		if (i % 250 == 0) {
			fputs("COMMIT;\n", g->f);
			fprintf(g->f, "SELECT %u, count(*), sum(qty), round(sum(balance), 2) "
				"FROM orders, (SELECT sum(balance) AS balance FROM customer);\n", i);
		}
	}

	fputs("BEGIN;\nINSERT INTO tree VALUES (1, NULL, 'root');\n", g->f);
	for (i = 2; i <= N_TREE; i++) {
		gen_name(g, name, sizeof(name));
		fprintf(g->f, "INSERT INTO tree VALUES (%u, %u, '%s');\n", i, 1 + rnd(g, i - 1), name);
	}
	fputs("COMMIT;\n", g->f);

	for (i = 0; i < N_KV; i++)
		fprintf(g->f, "INSERT INTO kv(k, v) VALUES ('key%u', %u)\n"
			"  ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, hits = hits + 1;\n",
			rnd(g, N_KV / 3), rnd(g, 1000));

	fputs("BEGIN;\n", g->f);
	for (i = 1; i <= N_DOCS; i++) {
		fprintf(g->f, "INSERT INTO doc(rowid, title, body) VALUES (%u, '", i);
		gen_sentence(g, 2 + rnd(g, 3));
		fputs("', '", g->f);
		gen_sentence(g, 8 + rnd(g, 30));
		fputs("');\n", g->f);
	}
	for (i = 1; i <= N_BOXES; i++) {
		unsigned int x = rnd(g, 1000), y = rnd(g, 1000);

		fprintf(g->f, "INSERT INTO box VALUES (%u, %u, %u, %u, %u);\n",
			i, x, x + 1 + rnd(g, 60), y, y + 1 + rnd(g, 60));
	}
	fputs("COMMIT;\n", g->f);
}

static void gen_queries(struct gen *g)
{
	unsigned int i;

	fputs(".headers on\n"
	      "SELECT city, count(*) AS n, round(avg(balance), 2) AS avg_balance,\n"
	      "  min(name), max(name), count(*) FILTER (WHERE balance > 1000) AS big\n"
	      "FROM customer GROUP BY city HAVING n > 5 ORDER BY city;\n"
	      "SELECT * FROM customer_total ORDER BY total DESC, id LIMIT 25;\n"
	      "SELECT p.category, count(DISTINCT o.customer_id) AS buyers, sum(o.qty) AS qty,\n"
	      "  round(total(o.qty * p.price), 2) AS revenue,\n"
	      "  group_concat(DISTINCT c.city) AS cities\n"
	      "FROM orders o JOIN product p ON p.id = o.product_id\n"
	      "JOIN customer c ON c.id = o.customer_id\n"
	      "GROUP BY p.category ORDER BY revenue DESC;\n"
	      "SELECT o.id, o.customer_id, o.day, o.qty,\n"
	      "  sum(o.qty) OVER w AS running, row_number() OVER w AS rn,\n"
	      "  rank() OVER (ORDER BY o.qty DESC) AS qty_rank,\n"
	      "  dense_rank() OVER (PARTITION BY o.customer_id ORDER BY o.qty) AS dr,\n"
	      "  lag(o.qty) OVER w AS prev, lead(o.day, 2, -1) OVER w AS next2,\n"
	      "  ntile(3) OVER w AS third,\n"
	      "  round(percent_rank() OVER w, 4) AS pr, round(cume_dist() OVER w, 4) AS cd,\n"
	      "  first_value(o.product_id) OVER w AS first_p,\n"
	      "  nth_value(o.product_id, 2) OVER w AS second_p\n"
	      "FROM orders o WHERE o.customer_id <= 25\n"
	      "WINDOW w AS (PARTITION BY o.customer_id ORDER BY o.day, o.id)\n"
	      "ORDER BY o.customer_id, o.day, o.id;\n"
	      "SELECT day, qty,\n"
	      "  sum(qty) OVER (ORDER BY day RANGE BETWEEN 3 PRECEDING AND 3 FOLLOWING) AS r7,\n"
	      "  avg(qty) OVER (ORDER BY day GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW\n"
	      "                 EXCLUDE TIES) AS g2,\n"
	      "  count(*) OVER (ORDER BY day ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING\n"
	      "                 EXCLUDE CURRENT ROW) AS c10,\n"
	      "  max(qty) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING) AS mx\n"
	      "FROM orders WHERE product_id % 7 = 0 ORDER BY day, id;\n"
	      "WITH RECURSIVE fib(n, a, b) AS (SELECT 0, 0, 1 UNION ALL\n"
	      "  SELECT n + 1, b, a + b FROM fib WHERE n < 90)\n"
	      "SELECT n, a FROM fib;\n"
	      "WITH RECURSIVE walk(id, depth, path) AS (\n"
	      "  SELECT id, 0, label FROM tree WHERE parent IS NULL\n"
	      "  UNION ALL\n"
	      "  SELECT t.id, w.depth + 1, w.path || '/' || t.label\n"
	      "  FROM tree t JOIN walk w ON t.parent = w.id ORDER BY 2 DESC)\n"
	      "SELECT depth, count(*), max(length(path)), min(path) FROM walk\n"
	      "GROUP BY depth ORDER BY depth;\n"
	      "WITH RECURSIVE\n"
	      "  xaxis(x) AS (VALUES(-2.0) UNION ALL SELECT x + 0.05 FROM xaxis WHERE x < 1.2),\n"
	      "  yaxis(y) AS (VALUES(-1.0) UNION ALL SELECT y + 0.1 FROM yaxis WHERE y < 1.0),\n"
	      "  m(iter, cx, cy, x, y) AS (\n"
	      "    SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis\n"
	      "    UNION ALL\n"
	      "    SELECT iter + 1, cx, cy, x * x - y * y + cx, 2.0 * x * y + cy FROM m\n"
	      "    WHERE (x * x + y * y) < 4.0 AND iter < 28),\n"
	      "  m2(iter, cx, cy) AS (SELECT max(iter), cx, cy FROM m GROUP BY cx, cy),\n"
	      "  a(t) AS (SELECT group_concat(substr(' .+*#', 1 + min(iter / 7, 4), 1), '')\n"
	      "    FROM m2 GROUP BY cy)\n"
	      "SELECT group_concat(rtrim(t), x'0a') FROM a;\n"
	      "SELECT c.name, p.name, o.qty FROM customer c\n"
	      "  LEFT JOIN orders o ON o.customer_id = c.id AND o.day < 3\n"
	      "  LEFT JOIN product p ON p.id = o.product_id\n"
	      "WHERE c.id % 10 = 0 ORDER BY c.id, o.id;\n"
	      "SELECT t1.id, t2.id FROM (SELECT id FROM product WHERE id % 9 = 0) t1\n"
	      "  FULL OUTER JOIN (SELECT id FROM product WHERE id % 6 = 0) t2 ON t1.id = t2.id\n"
	      "ORDER BY coalesce(t1.id, t2.id);\n"
	      "SELECT o.id, p.id FROM orders o RIGHT JOIN product p\n"
	      "  ON p.id = o.product_id AND o.qty = 9 AND o.day = 7 ORDER BY p.id, o.id;\n"
	      "SELECT name FROM customer WHERE city = 'Graz'\n"
	      "INTERSECT SELECT c.name FROM customer c\n"
	      "  WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.qty > 7)\n"
	      "EXCEPT SELECT name FROM customer WHERE since < 2003 ORDER BY 1;\n"
	      "SELECT id, name FROM product WHERE id IN\n"
	      "  (SELECT product_id FROM orders GROUP BY product_id ORDER BY count(*) DESC LIMIT 10)\n"
	      "UNION ALL SELECT -id, upper(name) FROM product WHERE price > 118 ORDER BY 1;\n"
	      "SELECT c.id, c.name, (SELECT max(o.day) FROM orders o WHERE o.customer_id = c.id)\n"
	      "  AS last_day FROM customer c WHERE c.id < 40 ORDER BY last_day DESC, c.id;\n",
	      g->f);

	/* Scalar functions over the data. */
	fputs("SELECT id, printf('%08.3f|%-12s|%x|%5.1e', price, name, id * 977, price * 1e6),\n"
	      "  substr(name, 2, 4), replace(name, 'a', '@'), instr(name, 'o'), length(name),\n"
	      "  hex(substr(name, 1, 3)), quote(name), unicode(name), char(65 + id % 26),\n"
	      "  name LIKE '%ka%', name GLOB '*[ln]o*', trim('  ' || category || '  '),\n"
	      "  ltrim(name, 'p0123456789-'), typeof(price), cast(price AS INT), abs(-price),\n"
	      "  round(sqrt(price), 6), round(pow(price, 1.5), 3), round(ln(price), 9),\n"
	      "  round(log10(price), 9), round(sin(price) * cos(price), 9),\n"
	      "  round(atan2(price, id), 9), floor(price), ceil(price), round(pi() * id, 5),\n"
	      "  price % 7, id / 7, id << 3, ~id, coalesce(NULL, id) & 5, iif(id > 60, 'hi', 'lo')\n"
	      "FROM product ORDER BY id;\n"
	      "SELECT day, date('2024-01-01', '+' || day || ' days') AS d,\n"
	      "  strftime('%Y-%W-%w %j', '2024-01-01', '+' || day || ' days') AS s,\n"
	      "  julianday('2024-01-01', '+' || day || ' days') - julianday('2024-01-01'),\n"
	      "  datetime(1700000000 + day * 86413, 'unixepoch')\n"
	      "FROM (SELECT DISTINCT day FROM orders WHERE day % 11 = 0) ORDER BY day;\n"
	      "SELECT json_object('id', c.id, 'name', c.name, 'orders',\n"
	      "  (SELECT json_group_array(json_object('p', o.product_id, 'q', o.qty))\n"
	      "   FROM orders o WHERE o.customer_id = c.id))\n"
	      "FROM customer c WHERE c.id % 37 = 0 ORDER BY c.id;\n"
	      "SELECT key, value, type FROM json_each('{\"a\":1,\"b\":[1,2,{\"c\":3.5}],\"d\":null}')\n"
	      "ORDER BY key;\n"
	      "SELECT json_extract(j, '$.b[2].c'), json_array_length(j, '$.b'),\n"
	      "  json_set(j, '$.e', 'x'), json_remove(j, '$.a'), json_type(j, '$.d')\n"
	      "FROM (SELECT '{\"a\":1,\"b\":[1,2,{\"c\":3.5}],\"d\":null}' AS j);\n"
	      "SELECT rowid, highlight(doc, 0, '[', ']'), snippet(doc, 1, '<', '>', '...', 6),\n"
	      "  round(bm25(doc), 6) FROM doc WHERE doc MATCH 'patch AND (kernel OR signal)'\n"
	      "ORDER BY rank, rowid LIMIT 30;\n"
	      "SELECT count(*) FROM doc WHERE doc MATCH 'title:stable NOT frozen';\n"
	      "SELECT count(*) FROM doc WHERE doc MATCH '\"silent mutex\"';\n"
	      "SELECT id, minx, maxy FROM box WHERE minx >= 100 AND maxx <= 300\n"
	      "  AND miny >= 200 AND maxy <= 700 ORDER BY id;\n"
	      "SELECT count(*) FROM box WHERE maxx >= 500 AND minx <= 520;\n", g->f);

	/* Changes: the triggers and cascades fire. */
	for (i = 0; i < 200; i++) {
		switch (rnd(g, 5)) {
		case 0:
			fprintf(g->f, "UPDATE product SET price = round(price * 1.%02u, 2) "
				"WHERE id = %u;\n", rnd(g, 40), 1 + rnd(g, N_PRODUCTS));
			break;
		case 1:
			fprintf(g->f, "DELETE FROM orders WHERE customer_id = %u AND day < %u;\n",
				1 + rnd(g, N_CUSTOMERS), rnd(g, 200));
			break;
		case 2:
			fprintf(g->f, "UPDATE orders SET qty = qty + 1 WHERE id = %u RETURNING id, qty;\n",
				1 + rnd(g, N_ORDERS));
			break;
		case 3:
			fprintf(g->f, "UPDATE kv SET v = v - %u WHERE k = 'key%u';\n",
				rnd(g, 400), rnd(g, N_KV / 3));
			break;
		default:
			fprintf(g->f, "INSERT INTO orders(customer_id, product_id, qty, day) "
				"VALUES (%u, %u, %u, %u) RETURNING id, customer_id;\n",
				1 + rnd(g, N_CUSTOMERS), 1 + rnd(g, N_PRODUCTS), 1 + rnd(g, 9),
				rnd(g, 365));
			break;
		}
	}
	fputs("UPDATE product SET price = round(price * 0.9, 2) WHERE category = 'toys';\n"
	      "UPDATE customer SET balance = round(balance, 2);\n"
	      "UPDATE customer SET since = s.first FROM\n"
	      "  (SELECT customer_id, 2000 + min(day) % 25 AS first FROM orders\n"
	      "   GROUP BY customer_id) AS s WHERE s.customer_id = customer.id AND customer.id % 3 = 0;\n"
	      "DELETE FROM customer WHERE id IN (SELECT id FROM customer WHERE id % 29 = 0)\n"
	      "  RETURNING id, name;\n"
	      "SAVEPOINT sp1;\n"
	      "DELETE FROM orders WHERE qty > 5;\n"
	      "SELECT count(*) FROM orders;\n"
	      "ROLLBACK TO sp1;\n"
	      "RELEASE sp1;\n"
	      "SELECT count(*) FROM orders;\n"
	      "INSERT INTO product VALUES (1000, 'p001-dup', 'x', -1);\n"
	      "INSERT INTO product(name, category, price) SELECT name, 'dup', 1 FROM product LIMIT 1;\n"
	      "INSERT INTO orders(customer_id, product_id, qty, day) VALUES (99999, 1, 1, 1);\n"
	      "UPDATE kv SET v = -5 WHERE k = 'key1';\n"
	      "SELEC broken syntax;\n"
	      "SELECT what, count(*), round(sum(amount), 2) FROM audit GROUP BY what ORDER BY what;\n"
	      "SELECT * FROM kv ORDER BY v DESC, k LIMIT 20;\n"
	      "ANALYZE;\n"
	      "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx;\n"
	      "SELECT name, sum(pgsize) > 0 FROM dbstat WHERE name NOT LIKE 'sqlite_%'\n"
	      "  GROUP BY name ORDER BY name;\n"
	      "PRAGMA integrity_check;\n"
	      "PRAGMA foreign_key_check;\n"
	      ".mode box\n"
	      "SELECT city, count(*) AS n, round(sum(balance), 2) AS total FROM customer\n"
	      "  GROUP BY city ORDER BY city;\n"
	      ".mode json\n"
	      "SELECT id, name, price FROM product WHERE id % 13 = 0 ORDER BY id;\n"
	      ".mode csv\n"
	      "SELECT * FROM customer_total WHERE id % 17 = 0 ORDER BY id;\n"
	      ".mode markdown\n"
	      "SELECT category, count(*), round(avg(price), 3) FROM product GROUP BY 1 ORDER BY 1;\n"
	      ".mode quote\n"
	      "SELECT * FROM tree WHERE id % 50 = 0 ORDER BY id;\n"
	      ".mode list\n"
	      ".headers off\n"
	      "VACUUM;\n"
	      "PRAGMA integrity_check;\n"
	      ".dump\n", g->f);
}

static int write_workload(const char *path)
{
	struct gen g = { .seed = 20240607 };

	g.f = fopen(path, "w");
	if (!g.f)
		return -errno;
	gen_schema(&g);
	gen_data(&g);
	gen_queries(&g);
	return fclose(g.f) ? -errno : 0;
}

/* -------------------------------------------------------------- builds */

static bool make_amalgamation(const char *src, const char *dir)
{
	return sh_ok(AMALGAMATION_TIMEOUT, "generate the sqlite3.c amalgamation",
		     "mkdir -p '%s' && cd '%s' && "
		     "'%s/configure' CC='%s' --disable-tcl --disable-readline "
		     "--disable-editline >configure.log 2>&1 || "
		     "{ tail -n 20 configure.log >&2; exit 1; }; "
		     "make -j2 sqlite3.c shell.c",
		     dir, dir, src, plain_cc());
}

/*
 * sqlite3.c and shell.c compile side by side, then link.  sqlite3.c is the
 * big one: when it fails, shell.c is not waited for.
 */
static bool build_shell(const char *dir, const char *amal, const char *cc, const char *vname,
			int timeout_s)
{
	char what[64];

	snprintf(what, sizeof(what), "%s build of the sqlite3 shell", vname);
	return sh_ok(timeout_s, what,
		     "mkdir -p '%1$s' && cd '%1$s' && "
		     "{ '%2$s' %3$s -I'%4$s' -c '%4$s/sqlite3.c' -o sqlite3.o & big=$!; "
		     "'%2$s' %3$s -I'%4$s' -c '%4$s/shell.c' -o shell.o & small=$!; "
		     "wait $big || { kill $small; exit 1; }; wait $small; } && "
		     "'%2$s' -O2 -pthread -o sqlite3 shell.o sqlite3.o -lm",
		     dir, cc, SQLITE_CFLAGS, amal);
}

/* ---------------------------------------------------------- comparison */

/* Like ASSERT_STRSTR, without printing half a megabyte of output. */
static bool contains(const char *what, const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		return true;
	return test_fail_at(__FILE__, __LINE__, "%s: \"%s\" not found (%zu bytes)",
			    what, needle, strlen(hay));
}

/* Report the first line where two outputs differ, not all of them. */
static bool same_text(const char *what, const char *plain, const char *instr)
{
	const char *p = plain, *q = instr;
	int line = 1;

	while (*p && *p == *q) {
		if (*p == '\n') {
			line++;
			plain = p + 1;
			instr = q + 1;
		}
		p++;
		q++;
	}
	if (!*p && !*q)
		return true;
	return test_fail_at(__FILE__, __LINE__, "%s differs from line %d:\n  plain: %.*s\n  instr: %.*s",
			    what, line, (int)strcspn(plain, "\n"), plain,
			    (int)strcspn(instr, "\n"), instr);
}

static enum test_result real_sqlite(struct test_ctx *ctx)
{
	const char *cc[NBUILDS] = { plain_cc(), upstare_cc() };
	struct cmd_result r[NVARIANTS] = { 0 };
	char *db[NVARIANTS] = { NULL };
	size_t db_len[NVARIANTS] = { 0 };
	enum test_result res;
	char *src = NULL, *amal = NULL, *dirs[NBUILDS] = { NULL, NULL };
	char *workload = NULL, *path = NULL, *report;
	unsigned long rebuilds = 0;
	int v;

	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	if (system("command -v tclsh >/dev/null 2>&1 || command -v tclsh8.6 >/dev/null 2>&1"))
		return test_skip("tclsh not installed (package tcl): needed to generate sqlite3.c");
	res = fetch_src("sqlite3", "bookworm", &src);
	if (res != TEST_PASS)
		return res;
	res = TEST_FAIL;

	if (asprintf(&amal, "%s/amalgamation", ctx->tmpdir) < 0 ||
	    asprintf(&workload, "%s/workload.sql", ctx->tmpdir) < 0)
		goto out;
	if (!ASSERT_OK(write_workload(workload), "write workload.sql"))
		goto out;
	if (!make_amalgamation(src, amal))
		goto out;
	for (v = 0; v < NBUILDS; v++) {
		if (asprintf(&dirs[v], "%s/%s", ctx->tmpdir, v == PLAIN ? "plain" : "instr") < 0)
			goto out;
		if (!build_shell(dirs[v], amal, cc[v], variant_name[v],
				 v == PLAIN ? PLAIN_BUILD_TIMEOUT : INSTR_BUILD_TIMEOUT))
			goto out;
	}

	for (v = 0; v < NVARIANTS; v++) {
		const char *dir = dirs[v == PLAIN ? PLAIN : INSTR];

		if (run_cmd(&r[v], v == UNWIND ? UNWIND_RUN_TIMEOUT : RUN_TIMEOUT,
			    "cd '%s' && %s./sqlite3 -batch %s < '%s'", dir,
			    v == UNWIND ? "UPSTARE_SELFTEST_UNWIND=" UNWIND_EVERY
					  " UPSTARE_SELFTEST_REPORT=1 " : "",
			    db_name[v], workload) ||
		    !ASSERT_TRUE(!r[v].timed_out, variant_name[v]))
			goto out_results;
		free(path);
		if (asprintf(&path, "%s/%s", dir, db_name[v]) < 0)
			goto out_results;
		db[v] = read_file(path, &db_len[v]);
		test_log("%s: status %d, %zu bytes of output, %zu of errors, %zu-byte database",
			 variant_name[v], r[v].status, r[v].out_len, r[v].err_len,
			 db[v] ? db_len[v] : 0);
	}

	/* The workload must have run through, from the first query to .dump. */
	if (!contains("plain stdout", r[PLAIN].out, "\n90|2880067194370816120\n") ||
	    !contains("plain stdout", r[PLAIN].out, "\nPRAGMA writable_schema=OFF;\nCOMMIT;\n") ||
	    !contains("plain stderr", r[PLAIN].err, "kv value must not go negative") ||
	    !contains("plain stderr", r[PLAIN].err, "near \"SELEC\": syntax error") ||
	    !ASSERT_TRUE(db[PLAIN] && db_len[PLAIN] > 0, "plain database"))
		goto out_results;

	/*
	 * The unwind run reports its rebuilds last on stderr (at exit): take
	 * that line off, and require that the stack was rebuilt at all.
	 */
	report = r[UNWIND].err ? strstr(r[UNWIND].err, "upstare: ") : NULL;
	while (report && strstr(report + 1, "upstare: "))
		report = strstr(report + 1, "upstare: ");
	if (!ASSERT_TRUE(report && sscanf(report, "upstare: %lu stack rebuilds", &rebuilds) == 1,
			 "the unwind run reports its rebuilds"))
		goto out_results;
	*report = 0;
	test_log("%lu stack rebuilds in the unwind run", rebuilds);
	if (!ASSERT_TRUE(rebuilds > 0, "stacks rebuilt in the unwind run"))
		goto out_results;

	for (v = INSTR; v < NVARIANTS; v++) {
		char what[128];

		snprintf(what, sizeof(what), "%s: stdout", variant_name[v]);
		if (!ASSERT_EQ(r[v].status, r[PLAIN].status, variant_name[v]) ||
		    !same_text(what, r[PLAIN].out, r[v].out) ||
		    !ASSERT_EQ(r[v].out_len, r[PLAIN].out_len, "stdout length"))
			goto out_results;
		snprintf(what, sizeof(what), "%s: stderr", variant_name[v]);
		if (!same_text(what, r[PLAIN].err, r[v].err) ||
		    !ASSERT_TRUE(db[v] != NULL, variant_name[v]) ||
		    !ASSERT_EQ(db_len[v], db_len[PLAIN], "database size") ||
		    !ASSERT_TRUE(!memcmp(db[v], db[PLAIN], db_len[PLAIN]), "database bytes"))
			goto out_results;
	}
	res = TEST_PASS;
out_results:
	for (v = 0; v < NVARIANTS; v++) {
		cmd_result_free(&r[v]);
		free(db[v]);
	}
out:
	free(path);
	free(dirs[PLAIN]);
	free(dirs[INSTR]);
	free(workload);
	free(amal);
	free(src);
	return res;
}

/*
 * Named "real/sqlite" like the other grouped cases (csmith/quick), so that
 * `runner real/` selects the real-program tests; UPSTARE_TEST() names a case
 * after a C identifier, which cannot hold the slash.
 */
/*
 * In make check-long only, for its build time: see Documentation/status.rst.
 */
static struct test real_sqlite_test = {
	.name = "real/sqlite", .long_only = true, .timeout_s = CASE_TIMEOUT, .run = real_sqlite,
};

__attribute__((constructor)) static void real_sqlite_register(void)
{
	test_register(&real_sqlite_test);
}
