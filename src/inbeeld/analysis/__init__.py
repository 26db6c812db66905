"""Glue between the ORM and the pure statistics: tables within the user's scope (pseudonymised,
consent-filtered through the selectors), the evaluation run on them, and a cache of the result."""
