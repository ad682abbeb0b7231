"""The dashboards' library: connection, SQL, filters, KPIs, charts and formatting, one module
each, so page scripts stay thin and the logic is testable without a browser."""
