//! Table tests of the FTP parser.
