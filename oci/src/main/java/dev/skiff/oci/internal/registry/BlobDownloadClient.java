package dev.skiff.oci.internal.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Derives the OkHttp client that downloads blobs. Its reads time out through the socket's SO_TIMEOUT
 * instead of okio's per-read timeout, which wakes a watchdog thread on every 8 KiB read: about a tenth of
 * the CPU of a loopback download, on machines where the hashing already keeps a core busy. SO_TIMEOUT
 * bounds each blocking read the same way, TLS handshakes included. HTTP/1.1 only: an HTTP/2 connection's
 * reader thread must be able to wait forever, so SO_TIMEOUT cannot stand in for per-stream timeouts there.
 */
final class BlobDownloadClient {
  private BlobDownloadClient() {}

  static OkHttpClient of(OkHttpClient http) {
    int readTimeout = http.readTimeoutMillis();
    return http.newBuilder()
        .protocols(List.of(Protocol.HTTP_1_1))
        .readTimeout(0, TimeUnit.MILLISECONDS) // no okio timeout; OkHttp's SO_TIMEOUT 0 is refused below
        .socketFactory(new TimedSocketFactory(readTimeout))
        .sslSocketFactory(new TimedSslSocketFactory(http.sslSocketFactory(), readTimeout), http.x509TrustManager())
        .addNetworkInterceptor(chain -> {
          // Sockets OkHttp makes itself (SOCKS proxies) are not from the factory: bound their exchange here.
          Socket socket = chain.connection().socket();
          if (socket.getSoTimeout() == 0) {
            socket.setSoTimeout(readTimeout);
          }
          return chain.proceed(chain.request());
        })
        .build();
  }

  /**
   * Bounds the TLS handshake on a socket OkHttp made itself (a SOCKS proxy's, whose SO_TIMEOUT is OkHttp's
   * 0): the network interceptor only runs after the handshake.
   */
  private static final class TimedSslSocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory tls;
    private final int readTimeout;

    TimedSslSocketFactory(SSLSocketFactory tls, int readTimeout) {
      this.tls = tls;
      this.readTimeout = readTimeout;
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      if (s.getSoTimeout() == 0) {
        s.setSoTimeout(readTimeout);
      }
      return tls.createSocket(s, host, port, autoClose);
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return tls.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return tls.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return tls.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return tls.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return tls.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return tls.createSocket(address, port, localAddress, localPort);
    }
  }

  /** Makes sockets whose read timeout is never switched off. */
  private static final class TimedSocketFactory extends SocketFactory {
    private final int readTimeout;

    TimedSocketFactory(int readTimeout) {
      this.readTimeout = readTimeout;
    }

    @Override
    public Socket createSocket() throws SocketException {
      Socket s = new Socket() {
        @Override
        public void setSoTimeout(int timeout) throws SocketException {
          super.setSoTimeout(timeout == 0 ? readTimeout : timeout);
        }
      };
      s.setSoTimeout(readTimeout);
      return s;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
      Socket s = createSocket();
      if (local != null) {
        s.bind(local);
      }
      s.connect(remote);
      return s;
    }
  }
}
