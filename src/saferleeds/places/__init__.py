"""The partnership's geography: district, MSOAs, LSOAs and priority neighbourhoods."""
