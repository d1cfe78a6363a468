-- The SQLite shell's workload in scripts/measure-cold-start: an in-memory database, 20,000 rows made
-- by a recursive CTE, an index, grouped aggregates, a join and a LIKE scan; the output is checked
-- against Node's.
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, category INTEGER, price REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO item SELECT i, 'item-' || (i * 7919 % 20000), i % 37, (i * 31 % 1000) / 10.0 FROM n;
CREATE INDEX item_category ON item(category);
CREATE TABLE category(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 36)
INSERT INTO category SELECT i, 'cat-' || i FROM n;
SELECT count(*), printf('%.2f', sum(price)), printf('%.3f', avg(price)) FROM item;
SELECT c.label, count(*), printf('%.2f', max(i.price)) FROM item i JOIN category c ON c.id = i.category
  GROUP BY c.label ORDER BY count(*) DESC, c.label LIMIT 5;
SELECT count(*) FROM item WHERE name LIKE '%99%';
SELECT group_concat(id, ',') FROM (SELECT id FROM item WHERE category = 5 ORDER BY price DESC, id LIMIT 10);
