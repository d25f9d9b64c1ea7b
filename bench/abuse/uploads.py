"""Upload abuse against a running verifyd: N connections each POST a 9.9 MB multipart
image body to a hosted-page upload URL, either sending it whole (`full`) or stalling
100 kB before the end (`stall`), while the server's resident memory is sampled from
/proc. Prints the answers received and the peak and final RSS.

    python3 bench/abuse/uploads.py PORT PID /verify/s/vs_…/image/front full 128
    python3 bench/abuse/uploads.py PORT PID /verify/s/vs_…/image/front stall 150

No cookie is sent: this is the attacker who knows (or guesses) a session id. Used for the
figures in bench/RESULTS.md ("Upload abuse").
"""
import socket, threading, time, sys, re, os
port=int(sys.argv[1]); pid=int(sys.argv[2]); path=sys.argv[3]; mode=sys.argv[4]; n=int(sys.argv[5])
def rss():
    s=open(f"/proc/{pid}/status").read()
    return int(re.search(r"VmRSS:\s+(\d+)",s).group(1))//1024, int(re.search(r"VmHWM:\s+(\d+)",s).group(1))//1024
BOUNDARY = "----abuse"
boundary = BOUNDARY
head_body=(f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nx\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
size=9_900_000
def one(results, stall):
    try:
        s=socket.create_connection(("127.0.0.1",port)); s.settimeout(30)
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {size}\r\n\r\n".encode())
        s.sendall(head_body)
        sent=len(head_body); chunk=b"\0"*65536
        limit = size-100_000 if stall else size
        try:
            while sent < limit:
                k=min(len(chunk), limit-sent); s.sendall(chunk[:k]); sent+=k
        except Exception as e:
            pass
        try:
            r=s.recv(200); results.append(r.split(b"\r\n")[0].decode(errors="replace"))
        except Exception as e:
            results.append("no answer: "+type(e).__name__)
        if stall: time.sleep(5)
        s.close()
    except Exception as e:
        results.append("error "+str(e))
print("before", rss())
res=[]; ts=[threading.Thread(target=one,args=(res, mode=="stall")) for _ in range(n)]
t=time.time()
for x in ts: x.start()
peak=0
while any(x.is_alive() for x in ts):
    peak=max(peak, rss()[0]); time.sleep(0.05)
print("answers", {r:res.count(r) for r in set(res)}, "in", round(time.time()-t,1), "s")
print("peak rss MB (sampled)", peak, "after (rss, hwm)", rss())
