//! The floor for `scripts/bench-app.sh`: a Tauri 2 app showing one empty page, which reports
//! when it has painted (the same signal the real app gives once its brief list is interactive).

#[tauri::command]
fn ready(value: f64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    println!("METRIC list_interactive {value} {now} ");
}

fn main() {
    if let Err(e) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
    {
        eprintln!("minimal-app: {e}");
        std::process::exit(1);
    }
}
