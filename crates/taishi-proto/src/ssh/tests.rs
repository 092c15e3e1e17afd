//! Table tests of the SSH parser.
