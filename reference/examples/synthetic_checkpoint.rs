//! Writes a random-weight BitNet checkpoint (134 M parameters, packed U8
//! weights, transformers' layout) into a directory, for timing `tritone run`:
//!
//! ```sh
//! cargo run --release -p tritone-reference --example synthetic_checkpoint -- target/bitnet-134m
//! cargo run --release -- run --checkpoint target/bitnet-134m --ids 1,2,3,4,5,6,7,8 --decode 32
//! ```

use std::path::PathBuf;

use tritone_reference::model::synthetic::SyntheticModel;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: synthetic_checkpoint DIR");
        std::process::exit(2);
    };
    let spec = SyntheticModel::SMALL_134M;
    if let Err(e) = spec.write(&dir) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let params = tritone_reference::load_config(&dir.join("config.json"))
        .map(|s| s.params().total())
        .unwrap_or(0);
    println!("wrote {} ({params} parameters)", dir.display());
}
