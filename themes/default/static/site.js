// rolesite: small enhancements for the published site (no library, works over file://).
