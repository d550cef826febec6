// chain_fifo -- the word FIFO between an encoder and a decoder in the chain benches (sim/chain-bench.ts).
// DEPTH words of W bits, valid/ready on both sides; s_ready and m_valid come from the fill count only,
// so the FIFO adds no combinational path between its two sides. DEPTH 0 wires the sides together.
`timescale 1ns / 1ps
`default_nettype none
module chain_fifo #(
    parameter integer W = 8,
    parameter integer DEPTH = 4
) (
    input  wire clk,
    input  wire rst,
    input  wire [W-1:0] s_data,
    input  wire s_valid,
    output wire s_ready,
    output wire [W-1:0] m_data,
    output wire m_valid,
    input  wire m_ready
);
    generate
        if (DEPTH == 0) begin : g_wire
            assign m_data = s_data;
            assign m_valid = s_valid;
            assign s_ready = m_ready;
        end else begin : g_fifo
            reg [W-1:0] mem [0:DEPTH-1];
            integer rd = 0;
            integer wr = 0;
            integer count = 0;
            wire push = s_valid && s_ready;
            wire pop = m_valid && m_ready;
            assign s_ready = count < DEPTH;
            assign m_valid = count > 0;
            assign m_data = mem[rd];
            always @(posedge clk) begin
                if (rst) begin
                    rd <= 0;
                    wr <= 0;
                    count <= 0;
                end else begin
                    if (push) begin
                        mem[wr] <= s_data;
                        wr <= (wr + 1) % DEPTH;
                    end
                    if (pop) rd <= (rd + 1) % DEPTH;
                    count <= count + (push ? 1 : 0) - (pop ? 1 : 0);
                end
            end
        end
    endgenerate
endmodule
