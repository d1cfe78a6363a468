package dev.skiff.wasi.internal;

import static dev.skiff.wasi.internal.WasiHost.i;

import com.dylibso.chicory.runtime.HostFunction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * WasmEdge's socket extension of {@code wasi_snapshot_preview1} (the ABI of
 * {@code second-state/wasmedge_wasi_socket} and WasmEdge's C socket headers), over the same
 * descriptors, rights and capabilities as preview1's socket calls. Only TCP: {@code sock_open} of a
 * datagram socket is ENOTSUP. A guest can listen only where the embedder granted a listener (its
 * {@code sock_bind} must name a granted address and port, and {@code sock_listen} then hands it that
 * listener) and connect or resolve only what {@link OutboundPolicy} allows; every refusal is EACCES
 * for the guest and a log line for the host.
 *
 * <p>WasmEdge has two flavours: V1 (before WasmEdge 0.12) and V2, which adds fdflags to
 * {@code sock_accept}, a port out-parameter to {@code sock_recv_from} and 128-byte address storage to
 * {@code sock_getlocaladdr}/{@code sock_getpeeraddr}. Both import the plain names; WasmEdge picks by
 * signature, and so does {@link #flavours()}: its list holds every flavour, and the linker takes the
 * one whose type equals the import's. The {@code *_v2} names are served too.
 */
final class WasmEdgeSockets {
  private static final System.Logger LOG = System.getLogger("dev.skiff.wasi.network");

  // WasmEdge's enums (thirdparty/wasi/api.hpp).
  private static final int AF_INET4 = 1;
  private static final int AF_INET6 = 2;
  private static final int SOCK_ANY = 0;
  private static final int SOCK_DGRAM = 1;
  private static final int SOCK_STREAM = 2;
  private static final int SO_REUSEADDR = 0;
  private static final int SO_TYPE = 1;
  private static final int SO_ERROR = 2;
  private static final int SO_SNDBUF = 5;
  private static final int SO_RCVBUF = 6;
  private static final int SO_KEEPALIVE = 7;
  private static final int SO_ACCEPTCONN = 13;
  /** V2 address storage: u16 family then the address bytes, 128 bytes in all. */
  private static final int STORAGE = 128;

  private final WasiHost host;

  WasmEdgeSockets(WasiHost host) {
    this.host = host;
  }

  /** Every flavour of every WasmEdge socket function; names repeat where the flavours differ in type. */
  List<HostFunction> flavours() {
    List<HostFunction> f = new ArrayList<>();
    for (String v : new String[] {"", "_v2"}) {
      f.add(host.fn("sock_open" + v, "iii", a -> sockOpen(i(a[0]), i(a[1]), i(a[2]))));
      f.add(host.fn("sock_bind" + v, "iii", a -> sockBind(i(a[0]), i(a[1]), i(a[2]))));
      f.add(host.fn("sock_listen" + v, "ii", a -> sockListen(i(a[0]))));
      f.add(host.fn("sock_connect" + v, "iii", a -> sockConnect(i(a[0]), i(a[1]), i(a[2]))));
      f.add(host.fn("sock_send_to" + v, "iiiiiii",
          a -> host.sockSend(i(a[0]), i(a[1]), i(a[2]), i(a[5]), i(a[6]))));
    }
    // V1 sock_accept has no fdflags; V2's is preview1's (served by WasiHost under both names).
    f.add(host.fn("sock_accept", "ii", a -> host.sockAccept(i(a[0]), 0, i(a[1]))));
    f.add(host.fn("sock_accept_v2", "iii", a -> host.sockAccept(i(a[0]), i(a[1]), i(a[2]))));
    f.add(host.fn("sock_recv_v2", "iiiiii",
        a -> host.sockRecv(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]))));
    f.add(host.fn("sock_send_v2", "iiiii", a -> host.sockSend(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    f.add(host.fn("sock_recv_from", "iiiiiii",
        a -> recvFrom(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), 0, i(a[5]), i(a[6]), false)));
    for (String name : new String[] {"sock_recv_from", "sock_recv_from_v2"}) {
      f.add(host.fn(name, "iiiiiiii",
          a -> recvFrom(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]), i(a[6]), i(a[7]), true)));
    }
    f.add(host.fn("sock_getsockopt", "iiiii", a -> getOpt(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    f.add(host.fn("sock_setsockopt", "iiiii", a -> setOpt(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
    for (boolean peer : new boolean[] {false, true}) {
      String name = peer ? "sock_getpeeraddr" : "sock_getlocaladdr";
      f.add(host.fn(name, "iiii", a -> addressV1(i(a[0]), i(a[1]), i(a[2]), i(a[3]), peer)));
      f.add(host.fn(name, "iii", a -> addressV2(i(a[0]), i(a[1]), i(a[2]), peer)));
      f.add(host.fn(name + "_v2", "iii", a -> addressV2(i(a[0]), i(a[1]), i(a[2]), peer)));
    }
    f.add(host.fn("sock_getaddrinfo", "iiiiiiii",
        a -> getAddrInfo(i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]), i(a[6]), i(a[7]))));
    return f;
  }

  // ---------------------------------------------------------------- open, bind, listen, connect

  private int sockOpen(int family, int type, int fdPtr) throws IOException {
    host.guest.check(fdPtr, 4);
    if (family != AF_INET4 && family != AF_INET6) {
      return family == 0 || family == 3 ? Errno.EAFNOSUPPORT : Errno.EINVAL;
    }
    if (type == SOCK_DGRAM) {
      return Errno.ENOTSUP; // UDP is not served
    }
    if (type != SOCK_STREAM && type != SOCK_ANY) {
      return Errno.EINVAL;
    }
    return host.added(new Descriptor.Pending(family == AF_INET6), fdPtr);
  }

  private Descriptor.Pending pending(int fd) {
    Descriptor d = host.fds.require(fd);
    if (d instanceof Descriptor.Pending) {
      return (Descriptor.Pending) d;
    }
    throw Errno.fail(d instanceof Descriptor.Socket || d instanceof Descriptor.Listener ? Errno.EINVAL
        : Errno.ENOTSOCK);
  }

  private int sockBind(int fd, int addrPtr, int port) {
    Descriptor.Pending p = pending(fd);
    InetAddress want = readAddress(addrPtr);
    if ((port & 0xFFFFFFFFL) > 65535) {
      return Errno.EINVAL;
    }
    for (ServerSocketChannel l : host.grantedListeners) {
      InetSocketAddress at = localOf(l);
      if (at != null && at.getPort() == port && (want.isAnyLocalAddress()
          || at.getAddress().isAnyLocalAddress() || at.getAddress().equals(want))) {
        p.bound = l;
        return 0;
      }
    }
    LOG.log(System.Logger.Level.WARNING, () -> "Refused the guest binding " + text(want, port)
        + ": no listener was granted there; grant one with --tcplisten HOST:PORT (Runner.tcpListen).");
    return Errno.EACCES;
  }

  private static InetSocketAddress localOf(NetworkChannel c) {
    try {
      return (InetSocketAddress) c.getLocalAddress();
    } catch (IOException e) {
      return null;
    }
  }

  private int sockListen(int fd) {
    Descriptor.Pending p = pending(fd);
    if (p.bound == null) {
      LOG.log(System.Logger.Level.WARNING, "Refused the guest listening on a socket it did not bind to"
          + " a granted listener; grant one with --tcplisten HOST:PORT (Runner.tcpListen).");
      return Errno.EACCES;
    }
    Descriptor.Listener l = new Descriptor.Listener(p.bound);
    l.fdflags = p.fdflags;
    host.fds.replace(fd, l);
    return 0;
  }

  private int sockConnect(int fd, int addrPtr, int port) throws IOException {
    Descriptor d = host.fds.require(fd);
    if (d instanceof Descriptor.Socket) {
      return Errno.EISCONN;
    }
    Descriptor.Pending p = pending(fd);
    InetAddress to = readAddress(addrPtr);
    if ((port & 0xFFFFFFFFL) > 65535) {
      return Errno.EINVAL;
    }
    if ((to instanceof Inet6Address) != p.inet6 && !p.inet6) {
      return Errno.EAFNOSUPPORT;
    }
    if (!host.outbound.mayConnect(to, port)) {
      return Errno.EACCES;
    }
    SocketChannel c = SocketChannel.open();
    try {
      for (var o : p.options.entrySet()) {
        setOption(c, o.getKey(), o.getValue());
      }
      // The connection completes before the call returns, even for a non-blocking socket.
      c.connect(new InetSocketAddress(to, port));
    } catch (ConnectException e) {
      c.close();
      return Errno.ECONNREFUSED;
    } catch (NoRouteToHostException e) {
      c.close();
      return Errno.EHOSTUNREACH;
    } catch (ClosedByInterruptException e) {
      return Errno.EINTR;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    Descriptor.Socket s = new Descriptor.Socket(c);
    s.fdflags = p.fdflags;
    if ((p.fdflags & Descriptor.FDFLAGS_NONBLOCK) != 0) {
      c.configureBlocking(false);
    }
    host.fds.replace(fd, s);
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static <T> void setOption(NetworkChannel c, SocketOption<T> name, Object value) throws IOException {
    c.setOption(name, (T) value);
  }

  // ---------------------------------------------------------------- addresses

  /** Reads a WasmEdge {@code __wasi_address_t} ({buf, buf_len}): 4 or 16 address bytes, or V2 storage. */
  private InetAddress readAddress(int addrPtr) {
    Guest g = host.guest;
    int buf = g.i32(addrPtr);
    int len = g.i32(addrPtr + 4);
    byte[] bytes;
    if (len == 4 || len == 16) {
      bytes = new byte[len];
    } else if (len == STORAGE) {
      int family = g.u16(buf);
      if (family == AF_INET4) {
        bytes = new byte[4];
      } else if (family == AF_INET6) {
        bytes = new byte[16];
      } else {
        throw Errno.fail(Errno.EAFNOSUPPORT);
      }
      buf += 2;
    } else {
      throw Errno.fail(Errno.EINVAL);
    }
    g.check(buf, bytes.length);
    g.read(buf, bytes, 0, bytes.length);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw Errno.fail(Errno.EINVAL);
    }
  }

  private InetSocketAddress addressOf(int fd, boolean peer) throws IOException {
    Descriptor d = host.fds.require(fd);
    NetworkChannel c;
    if (d instanceof Descriptor.Socket) {
      c = ((Descriptor.Socket) d).channel;
    } else if (d instanceof Descriptor.Listener && !peer) {
      c = ((Descriptor.Listener) d).channel;
    } else if (d instanceof Descriptor.Pending || d instanceof Descriptor.Listener) {
      throw Errno.fail(peer ? Errno.ENOTCONN : Errno.EINVAL);
    } else {
      throw Errno.fail(Errno.ENOTSOCK);
    }
    InetSocketAddress a = (InetSocketAddress) (peer ? ((SocketChannel) c).getRemoteAddress() : c.getLocalAddress());
    if (a == null) {
      throw Errno.fail(Errno.ENOTCONN);
    }
    return a;
  }

  /** V1: the address bytes into a 4- or 16-byte buffer, the type as 4 or 6 (WasmEdge's), a u32 port. */
  private int addressV1(int fd, int addrPtr, int typePtr, int portPtr, boolean peer) throws IOException {
    Guest g = host.guest;
    int buf = g.i32(addrPtr);
    int len = g.i32(addrPtr + 4);
    if (len != 4 && len != 16) {
      return Errno.EINVAL;
    }
    g.check(buf, len);
    g.check(typePtr, 4);
    g.check(portPtr, 4);
    InetSocketAddress a = addressOf(fd, peer);
    byte[] bytes = a.getAddress().getAddress();
    if (bytes.length > len) {
      return Errno.EINVAL;
    }
    g.write(buf, bytes, 0, bytes.length);
    g.i32(typePtr, bytes.length == 4 ? 4 : 6);
    g.i32(portPtr, a.getPort());
    return 0;
  }

  /** V2: family and address into 128-byte storage, a u32 port. */
  private int addressV2(int fd, int addrPtr, int portPtr, boolean peer) throws IOException {
    Guest g = host.guest;
    int buf = g.i32(addrPtr);
    int len = g.i32(addrPtr + 4);
    if (len != STORAGE) {
      return Errno.EINVAL;
    }
    g.check(buf, STORAGE);
    g.check(portPtr, 4);
    InetSocketAddress a = addressOf(fd, peer);
    writeStorage(buf, a.getAddress());
    g.i32(portPtr, a.getPort());
    return 0;
  }

  private void writeStorage(int buf, InetAddress address) {
    byte[] bytes = address.getAddress();
    host.guest.memory.writeShort(buf, (short) (bytes.length == 4 ? AF_INET4 : AF_INET6));
    host.guest.write(buf + 2, bytes, 0, bytes.length);
  }

  /** recv on a connected TCP socket, then its peer's address (V2 also writes the port). */
  private int recvFrom(int fd, int iovs, int iovsLen, int addrPtr, int riflags, int portPtr, int nreadPtr,
      int roflagsPtr, boolean v2) throws IOException {
    Guest g = host.guest;
    int buf = g.i32(addrPtr);
    int len = g.i32(addrPtr + 4);
    g.check(buf, len);
    if (v2) {
      g.check(portPtr, 4);
    }
    int r = host.sockRecv(fd, iovs, iovsLen, riflags, nreadPtr, roflagsPtr);
    if (r != 0) {
      return r;
    }
    InetSocketAddress peer = addressOf(fd, true);
    byte[] bytes = peer.getAddress().getAddress();
    if (len == STORAGE) {
      writeStorage(buf, peer.getAddress());
    } else if (len >= bytes.length) {
      g.write(buf, bytes, 0, bytes.length);
    }
    if (v2) {
      g.i32(portPtr, peer.getPort());
    }
    return 0;
  }

  private static String text(InetAddress a, int port) {
    return (a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress()) + ":" + port;
  }

  // ---------------------------------------------------------------- socket options

  private static SocketOption<?> option(int name) {
    switch (name) {
      case SO_REUSEADDR: return StandardSocketOptions.SO_REUSEADDR;
      case SO_SNDBUF: return StandardSocketOptions.SO_SNDBUF;
      case SO_RCVBUF: return StandardSocketOptions.SO_RCVBUF;
      case SO_KEEPALIVE: return StandardSocketOptions.SO_KEEPALIVE;
      default: return null;
    }
  }

  private int getOpt(int fd, int level, int name, int valuePtr, int sizePtr) throws IOException {
    Guest g = host.guest;
    Descriptor d = host.fds.require(fd);
    if (level != 0) {
      return Errno.EINVAL; // WasmEdge knows only SOL_SOCKET
    }
    int size = g.i32(sizePtr);
    if (size < 4) {
      return Errno.EINVAL;
    }
    g.check(valuePtr, 4);
    int value;
    if (name == SO_TYPE) {
      value = SOCK_STREAM;
    } else if (name == SO_ERROR) {
      value = 0; // connections complete (or fail) inside sock_connect
    } else if (name == SO_ACCEPTCONN) {
      value = d instanceof Descriptor.Listener ? 1 : 0;
    } else {
      SocketOption<?> o = option(name);
      if (o == null) {
        return Errno.ENOTSUP;
      }
      Object v;
      if (d instanceof Descriptor.Pending) {
        v = ((Descriptor.Pending) d).options.get(o);
        if (v == null) {
          v = o.type() == Boolean.class ? Boolean.FALSE : Integer.valueOf(0);
        }
      } else if (d instanceof Descriptor.Socket) {
        v = ((Descriptor.Socket) d).channel.getOption(o);
      } else if (d instanceof Descriptor.Listener) {
        v = ((Descriptor.Listener) d).channel.getOption(o);
      } else {
        return Errno.ENOTSOCK;
      }
      value = v instanceof Boolean ? ((Boolean) v ? 1 : 0) : (Integer) v;
    }
    g.i32(valuePtr, value);
    g.i32(sizePtr, 4);
    return 0;
  }

  private int setOpt(int fd, int level, int name, int valuePtr, int size) throws IOException {
    Guest g = host.guest;
    Descriptor d = host.fds.require(fd);
    if (level != 0) {
      return Errno.EINVAL;
    }
    SocketOption<?> o = option(name);
    if (o == null) {
      return name >= 0 && name <= 14 ? Errno.ENOTSUP : Errno.EINVAL;
    }
    if (size != 4) {
      return Errno.EINVAL;
    }
    int raw = g.i32(valuePtr);
    Object value = o.type() == Boolean.class ? (Object) (raw != 0) : (Object) raw;
    if (d instanceof Descriptor.Pending) {
      ((Descriptor.Pending) d).options.put(o, value);
    } else if (d instanceof Descriptor.Socket) {
      setOption(((Descriptor.Socket) d).channel, o, value);
    } else if (d instanceof Descriptor.Listener) {
      // A granted listener is bound already and may be shared: its options stay the embedder's.
      return o == StandardSocketOptions.SO_REUSEADDR ? 0 : Errno.ENOTSUP;
    } else {
      return Errno.ENOTSOCK;
    }
    return 0;
  }

  // ---------------------------------------------------------------- getaddrinfo

  /**
   * WasmEdge's getaddrinfo: the guest passes a linked list of {@code __wasi_addrinfo_t} (28 bytes)
   * whose {@code ai_addr} point at {@code __wasi_sockaddr_t} {family u8, sa_data_len u32, sa_data ptr};
   * the host fills up to {@code maxResults} of them. {@code sa_data} gets what follows the family in
   * the native sockaddr: port (big-endian) and address (IPv4, 14 bytes) or port, flow info, address and
   * scope (IPv6, 26 bytes). Names resolve only when the allow-list admits them.
   */
  private int getAddrInfo(int nodePtr, int nodeLen, int servicePtr, int serviceLen, int hintsPtr, int resPtr,
      int maxResults, int countPtr) {
    Guest g = host.guest;
    String node = string(nodePtr, nodeLen);
    String service = string(servicePtr, serviceLen);
    g.check(hintsPtr, 28);
    g.check(countPtr, 4);
    int first = g.i32(resPtr);
    if (node.isEmpty() && service.isEmpty()) {
      return Errno.EAI_NONAME;
    }
    if (maxResults < 1) {
      return Errno.EAI_MEMORY;
    }
    int flags = g.u16(hintsPtr);
    int family = g.u8(hintsPtr + 2);
    int socktype = g.u8(hintsPtr + 3);
    if (family > AF_INET6) {
      return Errno.EAI_FAMILY;
    }
    if (socktype == SOCK_DGRAM || socktype > SOCK_STREAM) {
      return Errno.EAI_SOCKTYPE;
    }
    int port = port(service);
    if (port < 0) {
      return Errno.EAI_SERVICE;
    }
    List<InetAddress> found;
    InetAddress literal = OutboundPolicy.literal(node);
    if (literal != null) {
      found = List.of(literal); // no lookup: sock_connect checks the address itself
    } else {
      String name = node.isEmpty() ? ((flags & 1) != 0 ? "0.0.0.0" : "localhost") : node.toLowerCase(Locale.ROOT);
      if (name.endsWith(".")) {
        name = name.substring(0, name.length() - 1);
      }
      if (name.equals("0.0.0.0")) {
        found = List.of(OutboundPolicy.literal(name));
      } else {
        if (!host.outbound.mayResolve(name)) {
          return Errno.EACCES;
        }
        InetAddress[] all;
        try {
          all = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
          return Errno.EAI_NONAME;
        }
        found = host.outbound.resolved(name, all);
        if (found.isEmpty()) {
          return Errno.EACCES; // e.g. only loopback answers, which a wildcard never reaches
        }
      }
    }
    int count = 0;
    int cur = first;
    for (InetAddress a : found) {
      boolean v6 = a instanceof Inet6Address;
      if (family == AF_INET4 && v6 || family == AF_INET6 && !v6) {
        continue;
      }
      if (count == maxResults || cur == 0) {
        break;
      }
      g.check(cur, 28);
      g.memory.writeShort(cur, (short) 0);
      g.memory.writeByte(cur + 2, (byte) (v6 ? AF_INET6 : AF_INET4));
      g.memory.writeByte(cur + 3, (byte) SOCK_STREAM);
      g.memory.writeByte(cur + 4, (byte) 1); // IPPROTO_TCP in WasmEdge's numbering
      g.i32(cur + 8, v6 ? 28 : 16); // the native sockaddr's size, as WasmEdge reports it
      g.i32(cur + 20, 0); // no canonical name
      int sockaddr = g.i32(cur + 12);
      g.check(sockaddr, 12);
      int data = g.i32(sockaddr + 8);
      byte[] sa = new byte[v6 ? 26 : 14];
      sa[0] = (byte) (port >> 8);
      sa[1] = (byte) port;
      byte[] ip = a.getAddress();
      System.arraycopy(ip, 0, sa, v6 ? 6 : 2, ip.length);
      g.check(data, sa.length);
      g.memory.writeByte(sockaddr, (byte) (v6 ? AF_INET6 : AF_INET4));
      g.i32(sockaddr + 4, sa.length);
      g.write(data, sa, 0, sa.length);
      count++;
      cur = g.i32(cur + 24);
    }
    g.i32(countPtr, count);
    return 0;
  }

  private String string(int ptr, int len) {
    host.guest.check(ptr, len & 0xFFFFFFFFL);
    if (len < 0 || len > 1024) {
      throw Errno.fail(Errno.EINVAL);
    }
    byte[] b = new byte[len];
    host.guest.read(ptr, b, 0, len);
    int n = len;
    while (n > 0 && b[n - 1] == 0) {
      n--; // the Rust library appends a NUL
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** A numeric port or one of a few well-known service names; -1 if unknown. */
  private static int port(String service) {
    if (service.isEmpty()) {
      return 0;
    }
    switch (service.toLowerCase(Locale.ROOT)) {
      case "http": return 80;
      case "https": return 443;
      case "redis": return 6379;
      default: break;
    }
    try {
      int p = Integer.parseInt(service);
      return p >= 0 && p <= 65535 ? p : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
