//! A client for `nianbao serve`, for its tests and its benchmark: the server started as a child
//! process on an ephemeral port, and a small HTTP/1.1 client on a plain socket — small enough
//! to send what no well-behaved client would (a declared 1 GB body, `../` names, 10,000 parts).
//! Test support: it panics on what a test should not meet.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `nianbao serve`; stopped (by its own process id) when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    /// The first line it printed: `nianbao 服务已启动：http://…`.
    pub banner: String,
    /// The temporary folder the server was given (`TMPDIR`): requests' folders go there.
    pub tmp: tempfile::TempDir,
    stdout_rest: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// `binary serve --port 0 args…` with `env`, its temporary folder a fresh one.
    pub fn start(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .args(["--port", "0"])
            .args(args)
            .env_remove("NIANBAO_PLUGIN_PATH")
            .env_remove("NIANBAO_DEBUG")
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut banner = String::new();
        reader.read_line(&mut banner).unwrap();
        let port = banner
            .rsplit(':')
            .next()
            .and_then(|tail| tail.trim().trim_end_matches('/').split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {banner:?}"));
        let stdout_rest = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            rest
        });
        Server {
            child,
            port,
            banner,
            tmp,
            stdout_rest: Some(stdout_rest),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path, &[], &[])
    }

    pub fn post(&self, path: &str, parts: &[Part]) -> Response {
        self.post_with(path, parts, &[])
    }

    pub fn post_with(&self, path: &str, parts: &[Part], headers: &[(&str, &str)]) -> Response {
        let (content_type, body) = multipart(parts);
        let mut all = vec![("Content-Type", content_type.as_str())];
        all.extend_from_slice(headers);
        request(self.port, "POST", path, &all, &body)
    }

    /// Stops the server and returns everything it printed after the banner, stdout and stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut printed = self.banner.clone();
        if let Some(rest) = self.stdout_rest.take() {
            printed.push_str(&rest.join().unwrap_or_default());
        }
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut printed);
        }
        printed
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One part of a multipart form.
#[derive(Clone)]
pub struct Part {
    pub field: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn file(field: &str, name: &str, bytes: Vec<u8>) -> Part {
        Part {
            field: field.into(),
            file_name: Some(name.into()),
            bytes,
        }
    }

    pub fn text(field: &str, value: &str) -> Part {
        Part {
            field: field.into(),
            file_name: None,
            bytes: value.as_bytes().to_vec(),
        }
    }
}

const BOUNDARY: &str = "nianbao-test-boundary-7f3a";

pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match &p.file_name {
            Some(name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    p.field
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", p.field).as_bytes(),
            ),
        }
        body.extend_from_slice(&p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// The Chinese error of an error answer.
    pub fn error(&self) -> String {
        self.json()["错误"]
            .as_str()
            .unwrap_or_else(|| panic!("no 错误 in {}", String::from_utf8_lossy(&self.body)))
            .to_string()
    }
}

/// One request on a new connection (`Connection: close`), the whole answer read.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = connect(port);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer before reading everything (a refusal): keep writing in the
    // background and read the answer here.
    let mut writer = stream.try_clone().unwrap();
    let body = body.to_vec();
    let sending = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let response = read_response(&mut stream);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sending.join();
    response
}

pub fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
}

/// Reads an HTTP/1.1 answer: status line, headers, and a body by length, chunks, or to the end.
pub fn read_response(stream: &mut TcpStream) -> Response {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).unwrap();
    } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk).unwrap();
            body.extend_from_slice(&chunk);
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf).unwrap();
        }
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    Response {
        status,
        headers,
        body,
    }
}
