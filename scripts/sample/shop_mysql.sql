-- The demo's shop as a MariaDB/MySQL database.
CREATE TABLE customers (
  id bigint PRIMARY KEY AUTO_INCREMENT,
  name varchar(100) NOT NULL,
  email varchar(200),
  country char(2),
  created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);

CREATE TABLE orders (
  id bigint PRIMARY KEY AUTO_INCREMENT,
  customer_id bigint NOT NULL,
  ordered_on date NOT NULL,
  total decimal(14,2) NOT NULL,
  status enum('new', 'paid', 'shipped', 'cancelled') NOT NULL,
  details json
);

CREATE TABLE page_views (  -- no key: read as one chunk
  viewed_at datetime(6) NOT NULL,
  path varchar(200) NOT NULL
);

INSERT INTO customers (name, email, country, created_at)
  SELECT CONCAT('Customer ', seq), CONCAT('c', seq, '@example.com'), ELT(1 + seq % 4, 'DE', 'FR', 'US', 'JP'),
         TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq HOUR
  FROM seq_1_to_100;
INSERT INTO orders (customer_id, ordered_on, total, status, details)
  SELECT 1 + seq % 100, DATE '2024-01-01' + INTERVAL (seq % 365) DAY, (seq % 500) + 0.99,
         ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), JSON_OBJECT('items', 1 + seq % 5)
  FROM seq_1_to_5000;
INSERT INTO page_views SELECT TIMESTAMP '2024-06-01 00:00:00' + INTERVAL seq SECOND, CONCAT('/p/', seq % 50)
  FROM seq_1_to_2000;
