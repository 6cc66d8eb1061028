-- A small shop database for the demo export.
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');

CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text,
  country char(2),
  created_at timestamptz NOT NULL DEFAULT now(),
  tags text[]
);

CREATE TABLE products (
  sku uuid PRIMARY KEY,
  title varchar(200) NOT NULL,
  price numeric(12,2) NOT NULL,
  attributes jsonb
);

CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  ordered_on date NOT NULL DEFAULT current_date,
  total numeric(14,2) NOT NULL,
  status order_status NOT NULL
);

CREATE TABLE page_views (  -- no key: read in ctid ranges
  viewed_at timestamp NOT NULL,
  path text NOT NULL,
  duration_ms integer
);

INSERT INTO customers (name, email, country, created_at, tags)
SELECT 'Customer ' || g, 'c' || g || '@example.com',
       (ARRAY['DE','FR','US','JP','BR'])[1 + g % 5],
       timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes',
       CASE WHEN g % 3 = 0 THEN ARRAY['vip', 'newsletter'] WHEN g % 3 = 1 THEN ARRAY[]::text[] END
FROM generate_series(1, 1000) g;

INSERT INTO products (sku, title, price, attributes)
SELECT md5('p' || g)::uuid, 'Product ' || g, (g * 3.17)::numeric(12,2),
       jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3], 'weight_g', g * 10)
FROM generate_series(1, 200) g;

INSERT INTO orders (customer_id, ordered_on, total, status)
SELECT 1 + g % 1000, date '2024-01-01' + g % 365, (g % 997) * 1.25,
       (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4]::order_status
FROM generate_series(1, 50000) g;

INSERT INTO page_views (viewed_at, path, duration_ms)
SELECT timestamp '2024-06-01' + g * interval '1 second', '/product/' || (g % 200),
       CASE WHEN g % 10 = 0 THEN NULL ELSE g % 5000 END
FROM generate_series(1, 100000) g;

ANALYZE;
