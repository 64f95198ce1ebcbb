//! Herald server binary: configuration, start-up and the command line.
fn main() {}
