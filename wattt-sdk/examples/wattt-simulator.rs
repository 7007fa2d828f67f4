//! Run the Wattt simulator standalone and print how to reach it, e.g. for the `wattt` CLI:
//!
//! ```sh
//! cargo run -p wattt-sdk --features testing --example wattt-simulator
//! # prints export lines for WATTT_BASE_URL, WATTT_UID, WATTT_SECRET; Ctrl-C to stop
//! ```

use wattt_sdk::testing::Simulator;

#[tokio::main]
async fn main() {
    let sim = Simulator::start_with("SIMUID", "sim-secret").await;
    println!("export WATTT_BASE_URL={}", sim.base_url());
    println!("export WATTT_UID={}", sim.uid());
    println!("export WATTT_SECRET=sim-secret");
    std::future::pending::<()>().await;
}
