#!/usr/bin/python3
# A fake RTSP camera on loopback for tests and the demo: the GStreamer RTSP server relaying the
# H.264 RTP that an ffmpeg publisher sends to --rtp-port (or a synthetic test pattern).
# Run it with Debian's /usr/bin/python3 (the interpreter that has PyGObject). Prints one
# "READY <url>" line once it listens; exits 3 when GStreamer's RTSP server is missing, 2 when the
# port is taken.
import argparse
import signal
import sys

APT_PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly"
)

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402
except (ImportError, ValueError) as err:
    sys.stderr.write(
        f"fake-camera: GStreamer RTSP server for Python is missing ({err}); "
        f"install it with: sudo apt-get install -y {APT_PACKAGES}\n"
    )
    sys.exit(3)


def launch_line(args: argparse.Namespace) -> str:
    if args.test_pattern:
        width, height = args.test_pattern.split("x")
        return (
            "( videotestsrc is-live=true pattern=smpte "
            f"! video/x-raw,width={width},height={height},framerate=25/1 "
            "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
            "! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
    caps = "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000"
    return (
        f'( udpsrc address=127.0.0.1 port={args.rtp_port} caps="{caps}" '
        "! rtpjitterbuffer latency=200 ! rtph264depay ! h264parse config-interval=-1 "
        "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="fake RTSP camera on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="RTSP port to listen on")
    parser.add_argument("--path", default="/cam", help="mount path, e.g. /cam")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--rtp-port", type=int, help="UDP port where the publisher sends H.264 RTP")
    source.add_argument("--test-pattern", metavar="WxH", help="serve a synthetic pattern instead")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args))
    # One media for every reader: the udpsrc port can only be bound once.
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        sys.stderr.write(f"fake-camera: cannot listen on 127.0.0.1:{args.port} (port in use?)\n")
        return 2

    loop = GLib.MainLoop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
