//! Table tests of the DNS parser.
