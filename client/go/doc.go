// Package client is helmd's Go client: the generated helmd.v1 stubs live in
// gen/helmd/v1 (package helmdv1); Dial connects to a helmd server.
package client

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	helmdv1 "helmd/client/go/gen/helmd/v1"
)

// Clients holds one typed stub per helmd.v1 service over one connection.
type Clients struct {
	Conn         *grpc.ClientConn
	Releases     helmdv1.ReleaseServiceClient
	Charts       helmdv1.ChartServiceClient
	Repositories helmdv1.RepositoryServiceClient
	Operations   helmdv1.OperationServiceClient
	Server       helmdv1.ServerServiceClient
}

// DialInsecure connects to helmd at addr (host:port) without TLS, as on loopback.
func DialInsecure(addr string) (*Clients, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Clients{
		Conn:         conn,
		Releases:     helmdv1.NewReleaseServiceClient(conn),
		Charts:       helmdv1.NewChartServiceClient(conn),
		Repositories: helmdv1.NewRepositoryServiceClient(conn),
		Operations:   helmdv1.NewOperationServiceClient(conn),
		Server:       helmdv1.NewServerServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Clients) Close() error { return c.Conn.Close() }
